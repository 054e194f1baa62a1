/**
 * What the hot-path instrumentation costs per message, measured apart from the machine's noise:
 * `deno bench -A scripts/bench/instrumentation_bench.ts`. Each bench runs the timing points one
 * stored message passes through (docs/BENCHMARKS.md "The cost of instrumentation" adds them up
 * against the CPU a message costs the gateway and the worker).
 */
import { Counter, Histogram, LATENCY_BUCKETS, Registry } from "@im/shared/metrics";
import { hopHistogram, instrumentRedis, redisLatency } from "@im/shared/telemetry";
import type { Redis } from "@im/shared/redis";
import { TxTiming } from "../../workers/consumer/timing.ts";
import type { PartitionBatch } from "../../workers/batch.ts";
import type { Entry } from "../../workers/context.ts";

const registry = new Registry();
const hops = hopHistogram(registry);
const framesIn = registry.add(new Counter("f_total", "f", ["type"]));
for (const t of ["msg.send", "msg.delivered", "ping"]) framesIn.labels(t);
const ingest = hops.labels("ingest");
const write = hops.labels("write");
const deliver = hops.labels("deliver");

Deno.bench("gateway, per stored frame: frame counter, ingest hop, 2 socket writes", () => {
  const t0 = performance.now();
  framesIn.one("msg.send").inc();
  ingest.observe((performance.now() - t0) / 1000);
  deliver.observe(0.0008 / 100); // one per result entry, shared by ~100 lines
  write.observe((performance.now() - t0) / 1000);
  write.observe((performance.now() - t0) / 1000);
});

const timing = new TxTiming({
  queue: hops.labels("queue"),
  commit: hops.labels("commit"),
  publish: hops.labels("publish"),
  sendCommit: registry.add(new Histogram("s_seconds", "s", LATENCY_BUCKETS)).labels(),
}, null);
const now = Date.now();
const entries = Array.from({ length: 200 }, (_, i) => ({
  id: `${now - 3}-${i}`,
  partition: 0,
  env: {
    frame: { type: "msg.send", data: {} },
    userId: "1",
    deviceId: "d",
    connId: "c",
    gatewayId: "g",
    receivedAt: now - 5,
  },
})) as unknown as Entry[];

Deno.bench("worker, per batch of 200 entries: queue, commit, publish, send→commit", () => {
  const b: PartitionBatch = { stream: "s", partition: 0, fence: 1, entries };
  timing.read(b);
  timing.committed([b]);
  timing.published([b]);
});

/** A Redis stand-in that settles each command at once, as ioredis does: the wrapper's cost. */
function fakeRedis(): Redis {
  return {
    sendCommand(cmd: { promise: Promise<unknown>; resolve(v: unknown): void }) {
      cmd.resolve("1-0");
      return cmd.promise;
    },
  } as unknown as Redis;
}
const plain = fakeRedis();
const wrapped = fakeRedis();
instrumentRedis(wrapped, redisLatency(registry), "bench");
const command = () => {
  const { promise, resolve, reject } = Promise.withResolvers<unknown>();
  return { name: "xadd", promise, resolve, reject };
};

Deno.bench("redis command, plain", { group: "redis", baseline: true }, async () => {
  await (plain as unknown as { sendCommand(c: unknown): Promise<unknown> }).sendCommand(command());
});
Deno.bench("redis command, with its latency recorded", { group: "redis" }, async () => {
  await (wrapped as unknown as { sendCommand(c: unknown): Promise<unknown> }).sendCommand(
    command(),
  );
});
