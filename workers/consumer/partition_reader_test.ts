/**
 * The partition reader hands a partition over cleanly: after `release`, nothing appended to it
 * is taken into this worker's pending list. On one Redis node `read` never leaves a read
 * behind; on a Cluster (`deno task test:cluster`) each partition keeps its own blocking read
 * across calls, and `release` must end it.
 */
import assert from "node:assert/strict";
import { testEnv } from "@im/shared/testing";
import { CONSUMER_GROUP } from "@im/shared/keys";
import { createRedis } from "@im/shared/redis";
import { createPartitionReader } from "./partition_reader.ts";

Deno.test("partition reader: after release, a partition's new entries are not taken by this worker", async () => {
  const env = await testEnv({ partitions: 2 });
  const reader = createRedis(env.config.redisUrl, "reader-test");
  const r = createPartitionReader({
    reader,
    redis: env.redis,
    keys: env.keys,
    workerId: "w-release",
    count: 10,
    blockMs: 20_000,
  });
  try {
    const [s0, s1] = [env.keys.partition(0), env.keys.partition(1)];
    for (const s of [s0, s1]) {
      await env.redis.xgroup("CREATE", s, CONSUMER_GROUP, "$", "MKSTREAM").catch(() => {});
    }
    // Partition 1 has an entry, so the read returns; partition 0's read may stay blocking.
    await env.redis.xadd(s1, "*", "e", "x");
    const first = await r.read([0, 1]);
    assert.deepEqual(first.read.map((b) => b.partition), [1]);
    await r.release([0]);
    await env.redis.xadd(s0, "*", "e", "after release");
    await new Promise((res) => setTimeout(res, 300));
    const [pending] = await env.redis.xpending(s0, CONSUMER_GROUP) as [number];
    assert.equal(pending, 0, "the entry waits for the next owner, not in our pending list");
    const next = await r.read([0]);
    assert.deepEqual(next.read.map((b) => b.raw.length), [1], "read again once it is ours");
  } finally {
    r.close();
    reader.disconnect();
    await env.close();
  }
});
