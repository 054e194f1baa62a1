/**
 * The worker's metrics (docs/ARCHITECTURE.md "Operating it" lists each and what to do when it
 * moves). Every label set is created at zero at start-up, so a counter is exported before it
 * first moves and a rate() over it starts from a real zero.
 */
import { ErrorCode } from "@im/protocol";
import type { Config } from "@im/shared/config";
import type { Keys } from "@im/shared/keys";
import { Counter, Gauge, Histogram, LATENCY_BUCKETS, type Registry } from "@im/shared/metrics";
import { pipeline, readStreamStats, type Redis } from "@im/shared/redis";
import type { Handlers } from "./context.ts";
import type { TxHops } from "./consumer/timing.ts";
import { hopHistogram } from "@im/shared/telemetry";

export function workerMetrics(registry: Registry, config: Config, handlers: Handlers) {
  const processed = registry.add(
    new Counter("im_worker_entries_processed_total", "Stream entries processed, by lane.", [
      "lane",
    ]),
  );
  for (const lane of ["tx", "read", "ephemeral"]) processed.labels(lane);
  const deadLetters = registry.add(
    new Counter("im_dead_letters_total", "Entries moved to the dead-letter stream, by reason.", [
      "reason",
    ]),
  );
  for (const r of ["undecodable entry", "max deliveries exceeded"]) deadLetters.labels(r);
  const repushes = registry.add(
    new Counter(
      "im_worker_repushes_total",
      "Deliveries pushed again for want of a device ack, by attempt (1 = first re-push).",
      ["attempt"],
    ),
  );
  config.retryScheduleSec.forEach((_, i) => repushes.labels(String(i + 1)));
  const errors = registry.add(
    new Counter(
      "im_worker_error_frames_total",
      "Error frames the workers answered (rejections, dead letters, unknown types), by code.",
      ["code"],
    ),
  );
  for (const code of Object.values(ErrorCode)) errors.labels(String(code));
  const handlerSeconds = registry.add(
    new Histogram(
      "im_worker_handler_seconds",
      "Handler run time, by lane and frame type (a tx run handles one type's entries of a batch).",
      LATENCY_BUCKETS,
      ["lane", "type"],
    ),
  );
  for (const lane of ["tx", "read", "ephemeral"] as const) {
    for (const type of Object.keys(handlers[lane])) handlerSeconds.labels(lane, type);
  }
  const hops = hopHistogram(registry);
  const txHops: TxHops = {
    queue: hops.labels("queue"),
    commit: hops.labels("commit"),
    publish: hops.labels("publish"),
    sendCommit: registry.add(
      new Histogram(
        "im_message_send_commit_seconds",
        "From the gateway receiving a stored frame to its commit (gateway clock to worker clock).",
        LATENCY_BUCKETS,
      ),
    ).labels(),
  };
  const failures = registry.add(
    new Counter("im_worker_batch_failures_total", "Batches that failed transiently."),
  );
  failures.labels(); // at zero from the start
  return {
    failures,
    processed,
    deadLetters,
    repushes,
    errors,
    handlerSeconds,
    txHops,
    batchSeconds: registry.add(
      new Histogram("im_worker_batch_seconds", "Batch read to published (commit + publish).", [
        0.005,
        0.01,
        0.025,
        0.05,
        0.1,
        0.25,
        1,
      ]),
    ),
  };
}

/**
 * Stream gauges read from Redis at scrape time: every partition's length, consumer-group lag
 * and pending entries, the read and ephemeral lanes', the dead-letter stream's length, and who
 * holds each partition. Every worker exports all of them (identical values): aggregate with
 * max by (stream), which also keeps them visible while a worker holds nothing.
 */
export function streamGauges(registry: Registry, redis: Redis, keys: Keys, partitions: number) {
  const length = registry.add(
    new Gauge("im_stream_length", "Entries in an inbound stream (trimmed below pending).", [
      "stream",
    ]),
  );
  const lag = registry.add(
    new Gauge(
      "im_stream_lag",
      "Entries of an inbound stream not yet delivered to its consumer group (XINFO GROUPS lag).",
      ["stream"],
    ),
  );
  const pending = registry.add(
    new Gauge("im_stream_pending", "Entries delivered to a worker and not yet acked.", ["stream"]),
  );
  const leased = registry.add(
    new Gauge("im_partition_leased", "1 while some worker holds the partition's lease.", [
      "partition",
    ]),
  );
  const dlq = registry.add(
    new Gauge("im_dead_letters", "Entries in the dead-letter stream now (capped at 100000)."),
  ).labels();
  const live = registry.add(
    new Gauge("im_workers_live", "Workers whose heartbeat is within WORKER_DEAD_MS."),
  ).labels();
  return async (liveSinceMs: number) => {
    const [stats, extra] = await Promise.all([
      readStreamStats(redis, keys, partitions),
      pipeline(redis).xlen(keys.deadLetters()).zcount(keys.workerRegistry(), liveSinceMs, "+inf")
        .exec(),
    ]);
    for (const s of stats) {
      length.labels(s.name).set(s.length);
      lag.labels(s.name).set(s.lag);
      pending.labels(s.name).set(s.pending);
      if (s.partition !== null) leased.labels(String(s.partition)).set(s.lease ? 1 : 0);
    }
    const [[e1, dead], [e2, alive]] = extra as [[Error | null, number], [Error | null, number]];
    dlq.set(e1 ? NaN : Number(dead));
    live.set(e2 ? NaN : Number(alive));
  };
}
