/**
 * Smoke test of `bench --mode group`: every phase runs for a couple of seconds on small groups
 * against a fresh system and must give a well-formed report with traffic in it. No timed
 * assertion: the figures belong in docs/BENCHMARKS.md.
 */
import assert from "node:assert/strict";
import { runGroupBench } from "./group.ts";
import { isGroupMode, parseGroupArgs } from "./group_options.ts";

Deno.test("bench group: options", () => {
  assert.ok(isGroupMode(["--mode", "group"]) && isGroupMode(["--mode=group"]));
  assert.ok(!isGroupMode(["--mode", "e2e"]));
  const o = parseGroupArgs(["--mode", "group", "--groups", "3", "--phases", "flat,cost"]);
  assert.deepEqual([o.groups, o.phases], [3, ["flat", "cost"]]);
  assert.throws(() => parseGroupArgs(["--phases", "nope"]));
  assert.throws(() => parseGroupArgs(["--groups", "-1"]));
});

Deno.test({
  name: "bench group: every phase gives a well-formed report",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const r = await runGroupBench(parseGroupArgs([
      ..."--groups 2 --members 4 --senders 1 --rate 20 --big 600 --online 0.05 --cost-rate 5".split(
        " ",
      ),
      ..."--duration 2 --warmup 0.5 --out /dev/null".split(" "),
    ]));
    assert.deepEqual(r.phases.map((p) => p.name), [
      "rate",
      "flat",
      "cost-600-read",
      "cost-500-write-all",
      "cost-500-write-1pct",
    ]);
    for (const p of r.phases) {
      assert.equal(p.setup.opened, p.setup.conns, `${p.name}: every connection opened`);
      assert.ok(p.messagesPerSec > 0 && p.deliveriesPerSec > 0, `${p.name}: traffic flowed`);
      const l = p.sendToReceiveMs;
      assert.ok(l.count > 0 && l.p50 <= l.p95 && l.p95 <= l.p99, `${p.name}: ordered quantiles`);
      assert.deepEqual(p.errors, {}, `${p.name}: no error frames`);
      assert.ok(p.cpu.worker.sec >= 0 && p.cpu.gateway.sec >= 0, `${p.name}: CPU sampled`);
    }
    const big = r.phases[2];
    assert.ok(
      Math.abs(big.deliveriesPerMessage - 30) <= 5,
      `30 of 600 online, all watching: ${big.deliveriesPerMessage}`,
    );
    assert.ok(r.targets.some((t) => t.name.includes("message cost")), "cost target evaluated");
  },
});
