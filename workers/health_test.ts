import assert from "node:assert/strict";
import { createLogger } from "@im/shared/log";
import { testEnv } from "@im/shared/testing";
import { createDb } from "@im/shared/db";
import { PartitionManager } from "./partitions.ts";
import { workerHealth } from "./health.ts";

const log = createLogger("error");

Deno.test("worker health: a worker kept from its partitions by a holder that will not let go shows it, and a failing store is named", async () => {
  const env = await testEnv({ partitions: 8 });
  const broken = createDb("mysql://root@127.0.0.1:1/nothing_here");
  try {
    const a = new PartitionManager(env.redis, env.keys, "w-a", 8, 10_000, log, 10_000);
    const b = new PartitionManager(env.redis, env.keys, "w-b", 8, 10_000, log, 10_000);
    await a.heartbeat();
    await a.rebalance(); // alone: takes all eight
    await b.heartbeat();
    await b.rebalance(); // wants its share, but a is live and has not rebalanced yet
    const health = workerHealth({
      redis: env.redis,
      db: env.db,
      manager: b,
      keys: env.keys,
      partitions: 8,
    });
    const r = await health();
    assert.equal(r.ok, true);
    assert.deepEqual(r.checks, { redis: "ok", mysql: "ok" });
    assert.deepEqual(r.partitions, []);
    assert.ok(r.desired.length > 0 && r.desired.length < 8, JSON.stringify(r.desired));
    assert.deepEqual(r.waiting, r.desired, "assigned here, still held by w-a");
    assert.equal(r.liveWorkers, 2);
    assert.match(r.warnings.join(" "), /still held by another worker/);

    await a.rebalance(); // a lets go of b's share; b takes it on its next round
    await b.rebalance();
    const after = await health();
    assert.deepEqual(after.waiting, []);
    assert.deepEqual(after.partitions, after.desired);
    assert.deepEqual(after.unowned, []);
    assert.deepEqual(after.warnings, []);

    const errors: string[] = [];
    const down = workerHealth({
      redis: env.redis,
      db: broken,
      manager: b,
      keys: env.keys,
      partitions: 8,
      onError: (dep) => errors.push(dep),
    });
    const failing = await down();
    assert.equal(failing.ok, false);
    assert.deepEqual(failing.checks, { redis: "ok", mysql: "error" });
    assert.deepEqual(errors, ["mysql"]);
    await a.releaseAll();
    await b.releaseAll();
  } finally {
    await broken.destroy();
    await env.close();
  }
});
