/** The two cost probes of docs/BENCHMARKS.md "Latency at everyday load", on the real stores. */
import assert from "node:assert/strict";
import { batchCost } from "./batch_cost.ts";
import { wakeup } from "./wakeup.ts";

Deno.test("batch_cost commits and publishes each kind of one-entry batch, none rejected", async () => {
  const costs = await batchCost(5); // throws if a send or a delivery ack was answered with an error
  assert(costs.map((c) => c.kind).join() === "send,delivered", JSON.stringify(costs));
  for (const c of costs) {
    assert(c.batches === 5 && c.cpuMsPerBatch > 0, JSON.stringify(c));
    assert(0 < c.wallP50Ms && c.wallP50Ms <= c.wallP90Ms, JSON.stringify(c));
  }
});

Deno.test("wakeup times a round trip to each store after each idle gap", async () => {
  const rows = await wakeup(5, [0, 10]);
  assert(rows.map((r) => r.gapMs).join() === "0,10", JSON.stringify(rows));
  for (const r of rows) {
    assert(0 < r.mysqlP50Ms && r.mysqlP50Ms <= r.mysqlP90Ms, JSON.stringify(r));
    assert(0 < r.redisP50Ms && r.redisP50Ms <= r.redisP90Ms, JSON.stringify(r));
  }
});
