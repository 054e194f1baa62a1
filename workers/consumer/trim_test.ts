import assert from "node:assert/strict";
import { testEnv } from "@im/shared/testing";
import { CONSUMER_GROUP } from "@im/shared/keys";
import { trimBelowPending } from "./trim.ts";

Deno.test("trim: acked entries go, pending and undelivered entries stay", async () => {
  const env = await testEnv();
  try {
    const s = env.keys.partition(0);
    await env.redis.xgroup("CREATE", s, CONSUMER_GROUP, "0", "MKSTREAM");
    const ids: string[] = [];
    for (let i = 0; i < 300; i++) ids.push((await env.redis.xadd(s, "*", "e", String(i)))!);
    await env.redis.xreadgroup("GROUP", CONSUMER_GROUP, "w", "COUNT", 250, "STREAMS", s, ">");
    await env.redis.xack(s, CONSUMER_GROUP, ...ids.slice(0, 200)); // 200..249 stay pending
    await trimBelowPending(env.redis, [s]);
    const left = (await env.redis.xrange(s, "-", "+")).map(([id]) => id);
    for (const id of ids.slice(200)) {
      assert.ok(left.includes(id), "pending and new entries survive");
    }
    assert.ok(left.length < 300, "acked entries below the oldest pending are trimmed");

    // Nothing pending: trims up to the last delivered entry, never the undelivered ones.
    await env.redis.xack(s, CONSUMER_GROUP, ...ids.slice(200, 250));
    await trimBelowPending(env.redis, [s]);
    const after = (await env.redis.xrange(s, "-", "+")).map(([id]) => id);
    for (const id of ids.slice(250)) assert.ok(after.includes(id), "undelivered entries survive");
  } finally {
    await env.close();
  }
});
