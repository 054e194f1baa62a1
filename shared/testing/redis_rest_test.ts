import assert from "node:assert/strict";
import { createRedis } from "../redis/connect.ts";
import { uniqueName } from "../testing.ts";
import { startRedisRest } from "./redis_rest.ts";

const REDIS_URL = Deno.env.get("REDIS_URL") ?? "redis://127.0.0.1:6379";

async function withRest(fn: (call: Call, prefix: string) => Promise<void>) {
  const rest = await startRedisRest({ redisUrl: REDIS_URL });
  const prefix = `${uniqueName("imtest")}:`;
  const redis = createRedis(REDIS_URL, "test");
  const call: Call = async (path, body, headers = {}) => {
    const res = await fetch(`${rest.url}${path}`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${rest.token}`,
        "content-type": "application/json",
        ...headers,
      },
      body: typeof body === "string" ? body : JSON.stringify(body),
    });
    return { status: res.status, body: await res.json() };
  };
  try {
    await fn(call, prefix);
  } finally {
    let cursor = "0";
    do {
      const [next, found] = await redis.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 1000);
      if (found.length) await redis.unlink(...found);
      cursor = next;
    } while (cursor !== "0");
    redis.disconnect();
    await rest.close();
  }
}
type Call = (
  path: string,
  body: unknown,
  headers?: Record<string, string>,
) => Promise<{ status: number; body: unknown }>;

Deno.test("redis rest: a command, a pipeline and a transaction, with Redis errors in place", async () => {
  await withRest(async (call, p) => {
    assert.deepEqual(await call("/", ["SET", `${p}a`, "héllo"]), {
      status: 200,
      body: { result: "OK" },
    });
    assert.deepEqual(await call("/", ["GET", `${p}a`]), { status: 200, body: { result: "héllo" } });
    assert.deepEqual(await call("/", ["INCR", `${p}a`]), {
      status: 400,
      body: { error: "ERR value is not an integer or out of range" },
    });
    assert.deepEqual(
      await call("/pipeline", [["INCR", `${p}n`], ["INCR", `${p}a`], ["GET", `${p}n`]]),
      {
        status: 200,
        body: [{ result: 1 }, { error: "ERR value is not an integer or out of range" }, {
          result: "1",
        }],
      },
    );
    await call("/", ["HSET", `${p}h`, "f1", "v1", "f2", 2]);
    assert.deepEqual((await call("/", ["HGETALL", `${p}h`])).body, {
      result: ["f1", "v1", "f2", "2"],
    });
    assert.deepEqual((await call("/multi-exec", [["INCR", `${p}m`], ["INCR", `${p}m`]])).body, [
      { result: 1 },
      { result: 2 },
    ]);
    // A command that cannot be queued aborts the whole transaction: nothing ran.
    const aborted = await call("/multi-exec", [["INCR", `${p}m`], ["SET", `${p}m`]]);
    assert.equal(aborted.status, 400);
    assert.match(String((aborted.body as { error: string }).error), /EXECABORT/);
    assert.deepEqual((await call("/", ["GET", `${p}m`])).body, { result: "2" });
  });
});

Deno.test("redis rest: Upstash-Encoding base64 encodes every string of a result, never numbers", async () => {
  await withRest(async (call, p) => {
    await call("/", ["RPUSH", `${p}l`, "héllo", "x"]);
    const b64 = (s: string) => btoa(String.fromCharCode(...new TextEncoder().encode(s)));
    assert.deepEqual(
      await call(
        "/pipeline",
        [["LRANGE", `${p}l`, 0, -1], ["LLEN", `${p}l`], ["GET", `${p}none`]],
        {
          "Upstash-Encoding": "base64",
        },
      ),
      {
        status: 200,
        body: [{ result: [b64("héllo"), b64("x")] }, { result: 2 }, { result: null }],
      },
    );
  });
});

Deno.test("redis rest: no token, a wrong token, bad bodies and connection-changing commands are refused", async () => {
  await withRest(async (call, p) => {
    assert.equal((await call("/", ["PING"], { authorization: "" })).status, 401);
    assert.equal((await call("/", ["PING"], { authorization: "Bearer nope" })).status, 401);
    assert.equal((await call("/", "{not json")).status, 400);
    assert.equal((await call("/", [])).status, 400);
    assert.equal((await call("/", ["SET", `${p}x`, { nested: 1 }])).status, 400);
    assert.equal((await call("/pipeline", [["PING"], "PING"])).status, 400);
    assert.equal((await call("/nope", ["PING"])).status, 404);
    assert.deepEqual((await call("/pipeline", [["SELECT", 1], ["PING"]])).body, [
      { error: "ERR SELECT is not allowed over REST" },
      { result: "PONG" },
    ]);
  });
});
