/** Shared fixtures for worker integration tests (real MySQL and Redis through testEnv). */
import type { TestEnv } from "@im/shared/testing";
import type { Envelope } from "@im/shared/protocol";
import { RouteStore } from "@im/shared/redis";
import { Snowflake } from "@im/shared/snowflake";
import { BatchProcessor, type Entry } from "./batch.ts";
import { handlers } from "./handlers/mod.ts";
import { Publisher } from "./publish.ts";

export async function createUsers(env: TestEnv, ...names: string[]): Promise<string[]> {
  const ids: string[] = [];
  for (const name of names) {
    const r = await env.db.insertInto("users").values({
      username: name,
      password_hash: "x",
      nickname: name,
      created_at: Date.now(),
    }).executeTakeFirstOrThrow();
    ids.push(String(r.insertId));
  }
  return ids;
}

export function processorFor(env: TestEnv, workerId = 1) {
  const routes = new RouteStore(env.redis, env.keys, 30_000);
  const publisher = new Publisher(env.redis, env.keys, routes, 1000);
  const ids = new Snowflake(workerId);
  return {
    routes,
    processor: new BatchProcessor(env.db, handlers, publisher, env.config, () => ids.nextString()),
  };
}

let seq = 0;
export function sendEntry(
  from: string,
  to: string,
  clientMsgId: string,
  body = "hello",
  conn = { connId: "c-sender", gatewayId: "g1" },
): Entry {
  const env: Envelope = {
    frame: {
      type: "msg.send",
      id: `r-${clientMsgId}`,
      data: { to, clientMsgId, kind: "text", body },
    },
    userId: from,
    deviceId: "d1",
    connId: conn.connId,
    gatewayId: conn.gatewayId,
    receivedAt: Date.now(),
  };
  return { id: `${Date.now()}-${seq++}`, env } as Entry;
}

/** Every frame written to one gateway's result stream, as [connIds, frame]. */
export async function resultFrames(env: TestEnv, gatewayId: string) {
  const entries = await env.redis.xrange(env.keys.gateway(gatewayId), "-", "+");
  return entries.flatMap(([, fields]) =>
    fields[1].split("\n").map((line) => {
      const i = line.indexOf(" ");
      return { conns: line.slice(0, i).split(","), frame: JSON.parse(line.slice(i + 1)) };
    })
  );
}
