import assert from "node:assert/strict";
import { testEnv } from "@im/shared/testing";
import { listDeadLetters, replayDeadLetters } from "./dlq.ts";

Deno.test("dlq: lists dead letters with their reason and replays chosen ones onto their partition", async () => {
  const env = await testEnv();
  try {
    const envelope = JSON.stringify({ frame: { type: "msg.send" }, userId: "1" });
    const a = await env.redis.xadd(
      env.keys.deadLetters(),
      "*",
      "partition",
      3,
      "entry",
      "1-0",
      "reason",
      "max deliveries exceeded",
      "deliveries",
      5,
      "at",
      Date.now(),
      "e",
      envelope,
    );
    const b = await env.redis.xadd(
      env.keys.deadLetters(),
      "*",
      "partition",
      1,
      "entry",
      "2-0",
      "reason",
      "undecodable entry",
      "deliveries",
      0,
      "at",
      Date.now(),
      "junk",
      "x",
    );
    const rows = await listDeadLetters(env.redis, env.keys);
    assert.deepEqual(rows.map((r) => [r.id, r.partition, r.type, r.reason]), [
      [b, 1, null, "undecodable entry"],
      [a, 3, "msg.send", "max deliveries exceeded"],
    ]);
    assert.deepEqual(
      await replayDeadLetters(env.redis, env.keys, [a!, b!]),
      [a],
      "undecodable entries are not replayed",
    );
    const back = await env.redis.xrange(env.keys.partition(3), "-", "+");
    assert.equal(back.length, 1);
    assert.deepEqual(back[0][1], ["e", envelope]);
    assert.equal(await env.redis.xlen(env.keys.deadLetters()), 1);
  } finally {
    await env.close();
  }
});
