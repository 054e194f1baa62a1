/** Shared fixtures for worker integration tests (real MySQL and Redis through testEnv). */
import type { TestEnv } from "@im/shared/testing";
import { RouteStore } from "@im/shared/redis";
import { Snowflake } from "@im/shared/snowflake";
import {
  decodeResults,
  encodeEnvelope,
  type Envelope,
  ENVELOPE_FIELD,
  RESULT_FIELD,
} from "@im/shared/wire";
import { BatchProcessor } from "./batch.ts";
import type { Entry } from "./context.ts";
import { handlers } from "./domains/mod.ts";
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
    publisher,
    processor: new BatchProcessor(
      env.db,
      handlers.tx,
      publisher,
      env.config,
      () => ids.nextString(),
    ),
  };
}

let seq = 0;
const entryId = () => `${Date.now()}-${seq++}`;

export function envelope(
  userId: string,
  frame: Envelope["frame"],
  conn = { connId: "c-sender", gatewayId: "g1" },
): Envelope {
  return {
    frame,
    userId,
    deviceId: "d1",
    connId: conn.connId,
    gatewayId: conn.gatewayId,
    receivedAt: Date.now(),
  };
}

/** A msg.send entry from `from`: to a user id (a direct chat) or, with `conversationId`, anywhere. */
export function sendEntry(
  from: string,
  to: string,
  clientMsgId: string,
  body = "hello",
  conn = { connId: "c-sender", gatewayId: "g1" },
): Entry {
  const address = to.includes(":") ? { conversationId: to } : { to };
  const env = envelope(from, {
    type: "msg.send",
    id: `r-${clientMsgId}`,
    data: { ...address, clientMsgId, kind: "text", body },
  }, conn);
  return { id: entryId(), partition: 0, env } as Entry;
}

export function entryOf(env: Envelope): Entry {
  return { id: entryId(), partition: 0, env } as Entry;
}

/** Every frame written to one gateway's result stream, as [connIds, frame]. */
export async function resultFrames(env: TestEnv, gatewayId: string) {
  const entries = await env.redis.xrange(env.keys.gateway(gatewayId), "-", "+");
  return entries.flatMap(([, fields]) => {
    const payload = fields[fields.indexOf(RESULT_FIELD) + 1];
    return [...decodeResults(payload)].flatMap((l) =>
      l.kind === "deliver" ? [{ conns: l.connIds, frame: JSON.parse(l.frame) }] : []
    );
  });
}

/** Serves envelopes through a real read lane (no loop): replies land on their gateway streams. */
export async function serveReads(env: TestEnv, envs: Envelope[]): Promise<void> {
  const { ReadLane } = await import("./consumer/reads.ts");
  const { DeadLetters } = await import("./consumer/dead_letters.ts");
  const { createLogger } = await import("@im/shared/log");
  const { Counter } = await import("@im/shared/metrics");
  const { publisher } = processorFor(env);
  const log = createLogger("error");
  const lane = new ReadLane({
    redis: env.redis,
    reader: env.redis,
    stream: env.keys.reads(),
    workerId: "test",
    db: env.db,
    handlers: handlers.read,
    publisher,
    deadLetters: new DeadLetters({
      redis: env.redis,
      keys: env.keys,
      publisher,
      log,
      counter: new Counter("x", "x"),
    }),
    config: env.config,
    log,
    processed: new Counter("y", "y"),
    ping: () => Promise.resolve(),
  });
  await lane.serve(envs.map((e) => [entryId(), [ENVELOPE_FIELD, encodeEnvelope(e)]]));
}

/** A group conversation with these members, made directly in the tables (as groups will). */
export async function createGroup(env: TestEnv, groupId: string, members: string[]) {
  const id = `g:${groupId}`;
  await env.db.insertInto("conversations").values({
    id,
    kind: "group",
    last_seq: 0,
    created_at: 1,
    updated_at: 1,
  }).execute();
  await env.db.insertInto("conversation_members").values(
    members.map((u) => ({ conversation_id: id, user_id: u, joined_at: 1 })),
  ).execute();
  return id;
}

// Rich messages (media, replies, forwards, edits, reactions).

let richSeq = 0;
/** A msg.send of any kind from `from` to a conversation; returns its request id. */
export function richSend(from: string, conversationId: string, data: Record<string, unknown>) {
  const id = `rich${++richSeq}`;
  return entryOf(envelope(from, {
    type: "msg.send",
    id,
    data: { conversationId, clientMsgId: id, ...data },
  } as never));
}

/** A media row as the gateway writes it after an upload. */
export async function uploaded(
  env: TestEnv,
  conversationId: string,
  uploader: string,
  kind = "image",
): Promise<string> {
  const r = await env.db.insertInto("media").values({
    conversation_id: conversationId,
    uploader_id: uploader,
    kind,
    mime: kind === "image" ? "image/png" : "audio/ogg",
    size: 1234,
    name: "cat.png",
    width: kind === "image" ? 640 : null,
    height: kind === "image" ? 480 : null,
    duration_ms: kind === "voice" ? 3000 : null,
    storage_key: `o/${crypto.randomUUID()}`,
    thumb_key: kind === "image" ? "t/x" : null,
    thumb_width: kind === "image" ? 320 : null,
    thumb_height: kind === "image" ? 240 : null,
    created_at: Date.now(),
  }).executeTakeFirstOrThrow();
  return String(r.insertId);
}

/** Runs entries as one batch and returns the frames each request got back, by request id. */
export async function run(env: TestEnv, entries: Entry[]) {
  const { processor } = processorFor(env);
  await processor.process(env.keys.partition(0), 0, 1, entries);
  const frames = await resultFrames(env, "g1");
  return (id: string) => frames.find((f) => f.frame.id === id)?.frame;
}
