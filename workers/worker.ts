/**
 * Composition root of a worker: builds its dependencies, runs the consumer, the lease renewal
 * and the health/metrics endpoint, and stops them in a known order (finish the batch in hand,
 * release leases, close connections).
 */
import type { Config } from "@im/shared/config";
import { createDb } from "@im/shared/db";
import { Keys } from "@im/shared/keys";
import type { Logger } from "@im/shared/log";
import { Counter, Gauge, PROMETHEUS_CONTENT_TYPE, Registry } from "@im/shared/metrics";
import { createBlockingRedis, createRedis, RouteStore } from "@im/shared/redis";
import {
  addProcessMetrics,
  instrumentRedis,
  mysqlObserver,
  redisLatency,
  Tracing,
  withTraceIds,
} from "@im/shared/telemetry";
import { sql } from "kysely";
import { bounded } from "@im/shared/shutdown";
import { BatchProcessor } from "./batch.ts";
import { DeadLetters } from "./consumer/dead_letters.ts";
import { EphemeralLane } from "./consumer/ephemeral.ts";
import { ensureGroups } from "./consumer/groups.ts";
import { Consumer } from "./consumer/loop.ts";
import { ReadLane } from "./consumer/reads.ts";
import { TxTiming } from "./consumer/timing.ts";
import { workerHealth } from "./health.ts";
import { streamGauges, workerMetrics } from "./metrics.ts";
import { handlers } from "./domains/mod.ts";
import { indexFor, SearchIndexer } from "./domains/search/mod.ts";
import { IdSource } from "./snowflake_lease.ts";
import { PartitionManager } from "./partitions.ts";
import { Publisher } from "./publish.ts";
import { raiseFence } from "./fence.ts";
import { RetryScheduler } from "./retry.ts";
import { RealtimeLoop } from "./domains/realtime/loop.ts";
import { parseIceServers } from "./domains/calls/ice.ts";

export interface RunningWorker {
  workerId: string;
  port: number;
  metrics: Registry;
  /** Finishes the batch in hand, releases leases and closes connections. */
  stop(): Promise<void>;
}

/** The most one shutdown step may take (see stop()). */
const STEP_MS = 2000;

export async function startWorker(config: Config, baseLog: Logger): Promise<RunningWorker> {
  const workerId = `w-${crypto.randomUUID().slice(0, 12)}`;
  parseIceServers(config.iceServers); // a bad ICE_SERVERS stops the start, not the first call
  const tracing = new Tracing(config.otelDeno, config.traceSamplePercent);
  const log = (tracing.enabled ? withTraceIds(baseLog) : baseLog).child({ workerId });
  const keys = new Keys(config.keyPrefix);
  const registry = new Registry();
  addProcessMetrics(registry, { service: "worker", revision: config.buildRevision });
  const metrics = workerMetrics(registry, config, handlers);
  const redis = createRedis(config.redisUrl, `worker:${workerId}`, log);
  if (config.instrument) instrumentRedis(redis, redisLatency(registry), "worker");
  // One connection per blocking reader loop (each lane blocks on its own stream).
  const reader = createBlockingRedis(config.redisUrl, `worker-reader:${workerId}`, log);
  const readsReader = createBlockingRedis(config.redisUrl, `worker-reads:${workerId}`, log);
  const ephemeralReader = createBlockingRedis(config.redisUrl, `worker-eph:${workerId}`, log);
  // READ COMMITTED: no gap locks, so partitions creating new conversations side by side do not
  // deadlock; the rows a batch writes are serialized by the fence and head locks it takes.
  // A transaction idle past the lease TTL belongs to a paused worker that has lost its lease:
  // the server aborts it, so its locks cannot block the partition's next owner.
  const db = createDb(config.mysqlUrl, 10, {
    isolation: "READ COMMITTED",
    lockTimeoutSec: config.leaseTtlMs / 1000,
    writeBehind: true, // a batch's writes ride with its next statement (shared/db/write_behind.ts)
    ...(config.instrument ? { observer: mysqlObserver(registry, "worker") } : {}),
  });

  const ids = new IdSource(redis, keys, workerId, config.leaseTtlMs, log);
  await ids.acquire();
  // A lease outlives a dead owner by design; the liveness threshold moves partitions sooner.
  const deadMs = Math.min(config.workerDeadMs, config.leaseTtlMs);
  const manager = new PartitionManager(
    redis,
    keys,
    workerId,
    config.partitions,
    config.leaseTtlMs,
    log,
    deadMs,
  );
  registry.add(new Gauge("im_worker_partitions_owned", "Partitions this worker holds.")).set(() =>
    manager.owned().size
  );
  registry.add(
    new Gauge(
      "im_worker_partitions_desired",
      "Partitions the live set assigns to this worker (more than owned: waiting for a holder to let go).",
    ),
  ).set(() => manager.desired().length);
  const readStreams = streamGauges(registry, redis, keys, config.partitions);
  registry.collector(() => readStreams(Date.now() - deadMs));
  const routes = new RouteStore(redis, keys, config.routeTtlSec * 1000);
  const offsetsMs = config.retryScheduleSec.map((s) => Number(s) * 1000);
  const publisher = new Publisher(redis, keys, routes, config.resultMaxLen, offsetsMs);
  publisher.onErrors = (codes) => {
    for (const c of codes) metrics.errors.one(String(c)).inc();
  };
  const retry = new RetryScheduler(redis, keys, routes, db, publisher, offsetsMs);
  retry.onRepush = (attempt) => metrics.repushes.one(String(attempt)).inc();
  const processor = new BatchProcessor(db, handlers.tx, publisher, config, () => ids.next());
  const handlerTime = (lane: string) => (type: string, seconds: number) =>
    metrics.handlerSeconds.labels(lane, type).observe(seconds);
  if (config.instrument) processor.onHandler = handlerTime("tx");
  const deadLetters = new DeadLetters({
    redis,
    keys,
    publisher,
    log,
    counter: metrics.deadLetters,
  });
  const ping = async () => {
    await sql`SELECT 1`.execute(db);
  };
  const consumer = new Consumer({
    redis,
    reader,
    keys,
    config,
    log,
    manager,
    processor,
    deadLetters,
    retry,
    metrics,
    ...(config.instrument || tracing.enabled
      ? { timing: new TxTiming(metrics.txHops, tracing.enabled ? tracing : null) }
      : {}),
    raiseFence: (p, fence) => raiseFence(db, p, fence),
    ping,
  });
  const reads = new ReadLane({
    redis,
    reader: readsReader,
    stream: keys.reads(),
    workerId,
    db,
    handlers: handlers.read,
    publisher,
    deadLetters,
    config,
    log,
    processed: metrics.processed,
    ping,
    ...(config.instrument ? { onHandler: handlerTime("read") } : {}),
  });
  const ephemeral = new EphemeralLane({
    reader: ephemeralReader,
    redis,
    keys,
    routes,
    stream: keys.ephemeral(),
    workerId,
    db,
    handlers: handlers.ephemeral,
    publisher,
    config,
    log,
    processed: metrics.processed,
    ...(config.instrument ? { onHandler: handlerTime("ephemeral") } : {}),
  });
  const realtime = new RealtimeLoop({ redis, keys, routes, db, config, publisher, workerId, log });
  await ensureGroups(redis, keys, config.partitions);
  await manager.heartbeat();

  const renewEvery = Math.max(100, Math.floor(config.leaseTtlMs / 3));
  const renewTimer = setInterval(() => {
    Promise.all([manager.renew(), ids.renew()])
      .catch((err) => log.warn("lease renewal failed", { err }));
  }, renewEvery);
  // Liveness: a heartbeat every quarter of WORKER_DEAD_MS, and when the live set wants another
  // assignment (a worker died or joined) the consumer is woken to rebalance now.
  const beatTimer = setInterval(() => {
    manager.heartbeat().then(() => manager.unsettled()).then((moved) => {
      if (moved) consumer.wake();
    }).catch((err) => log.warn("worker heartbeat failed", { err }));
  }, Math.max(50, Math.floor(deadMs / 4)));
  // Search: drains the index outbox the message path fills (one worker at a time does).
  const indexed = registry.add(
    new Counter("im_search_indexed_total", "Search outbox entries applied to the index."),
  );
  const indexer = config.searchEngine === "off" ? null : new SearchIndexer({
    db,
    indexOn: (x) => indexFor(config.searchEngine, x)!,
    intervalMs: config.searchIndexIntervalMs,
    log,
    onApplied: (n) => indexed.inc({}, n),
  });
  const abort = new AbortController();
  const loops = Promise.all([
    consumer.run(abort.signal),
    reads.run(abort.signal),
    ephemeral.run(abort.signal),
    indexer?.run(abort.signal),
    realtime.run(abort.signal),
  ]);

  const readiness = workerHealth({
    redis,
    db,
    manager,
    keys,
    partitions: config.partitions,
    onError: (dependency, err) => log.warn("readiness probe failed", { dependency, err }),
  });
  const server = Deno.serve(
    { hostname: config.host, port: config.workerPort, onListen: () => {} },
    async (req) => {
      const path = new URL(req.url).pathname;
      if (path === "/healthz") return Response.json({ ok: true, workerId });
      if (path === "/readyz") {
        const r = await readiness();
        return Response.json(r, { status: r.ok ? 200 : 503 });
      }
      if (path === "/metrics") {
        return new Response(await registry.scrape(), {
          headers: { "content-type": PROMETHEUS_CONTENT_TYPE },
        });
      }
      return new Response("not found", { status: 404 });
    },
  );
  log.info("worker started", { port: server.addr.port, snowflakeId: ids.workerId });

  let stopping: Promise<void> | null = null;
  return {
    workerId,
    port: server.addr.port,
    metrics: registry,
    stop() {
      // Each step is bounded: with Redis or MySQL down, a shutdown still ends (the leases then
      // expire by themselves and the next owner's fence keeps it safe).
      stopping ??= (async () => {
        abort.abort();
        // Ends blocking reads at once; their entries stay pending for the next owner.
        for (const r of [reader, readsReader, ephemeralReader]) r.disconnect();
        await bounded(loops, STEP_MS);
        clearInterval(renewTimer);
        clearInterval(beatTimer);
        await bounded(
          manager.releaseAll().catch((err) => log.warn("release failed", { err })),
          STEP_MS,
        );
        await bounded(ids.release(), STEP_MS);
        await bounded(server.shutdown(), STEP_MS);
        await bounded(db.destroy(), STEP_MS);
        redis.disconnect();
        log.info("worker stopped");
      })();
      return stopping;
    },
  };
}
