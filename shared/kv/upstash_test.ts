import assert from "node:assert/strict";
import { Keys } from "../keys.ts";
import { uniqueName } from "../testing.ts";
import { startRedisRest } from "../testing/redis_rest.ts";
import { KvError, UpstashKv } from "./upstash.ts";

const REDIS_URL = Deno.env.get("REDIS_URL") ?? "redis://127.0.0.1:6379";

Deno.test("upstash adapter: batches a tick's calls into /pipeline, asks for base64, runs scripts by EVALSHA", async () => {
  const rest = await startRedisRest({ redisUrl: REDIS_URL });
  const keys = new Keys(`${uniqueName("imtest")}:`);
  const kv = new UpstashKv({ url: rest.url, token: rest.token }, keys);
  try {
    // Two calls in one tick travel as one request (the client's auto-pipelining).
    await Promise.all([kv.isSessionRevoked("c".repeat(32)), kv.isSessionRevoked("e".repeat(32))]);
    assert.deepEqual(rest.requests.map((r) => [r.path, r.commands.map((c) => c[0])]), [
      ["/pipeline", ["exists", "exists"]],
    ]);
    const key = keys.loginFailures("user", "zoe");
    await kv.takeSlot(key, 5, 1000);
    assert.ok(rest.requests.some((r) => r.commands.some((c) => c[0] === "evalsha")));
    // HGETALL is one the client never auto-pipelines: it posts to / on its own.
    await kv.liveRoutes("5");
    assert.deepEqual(rest.requests.at(-1), {
      path: "/",
      base64: true,
      commands: [["hgetall", keys.routes("5")]],
    });
    assert.ok(rest.requests.every((r) => r.base64));
    await kv.clearCounter(key);
  } finally {
    await kv.close();
    await rest.close();
  }
});

Deno.test("upstash adapter: a wrong token fails closed, and errors never quote the command", async () => {
  const rest = await startRedisRest({ redisUrl: REDIS_URL });
  const kv = new UpstashKv({ url: rest.url, token: "wrong" }, new Keys("imtest_x:"));
  try {
    const sid = "d".repeat(32);
    const err = await kv.isSessionRevoked(sid).then(() => null, (e) => e);
    assert.ok(err instanceof KvError, String(err));
    assert.doesNotMatch(err.message, new RegExp(sid));
    assert.equal(rest.requests.length, 0);
  } finally {
    await rest.close();
  }
});

Deno.test("upstash adapter: an endpoint that never answers fails the call within its timeout", async () => {
  // Accepts connections and never responds.
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const held: Deno.Conn[] = [];
  (async () => {
    for await (const c of listener) held.push(c);
  })().catch(() => {});
  const kv = new UpstashKv(
    { url: `http://127.0.0.1:${listener.addr.port}`, token: "t", timeoutMs: 300 },
    new Keys("imtest_y:"),
  );
  try {
    const started = Date.now();
    await assert.rejects(kv.ping(), KvError);
    assert.ok(Date.now() - started < 2000);
  } finally {
    listener.close();
    held.forEach((c) => c.close());
  }
});
