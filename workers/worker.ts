/**
 * Composition root of a worker: builds its dependencies, runs the consumer, the lease renewal
 * and the health/metrics endpoint, and stops them in a known order (finish the batch in hand,
 * release leases, close connections).
 */
import type { Config } from "@im/shared/config";
import { createDb } from "@im/shared/db";
import { Keys } from "@im/shared/keys";
import type { Logger } from "@im/shared/log";
import { Counter, Gauge, Histogram, Registry } from "@im/shared/metrics";
import { createBlockingRedis, createRedis, RouteStore } from "@im/shared/redis";
import { sql } from "kysely";
import { BatchProcessor } from "./batch.ts";
import { DeadLetters } from "./consumer/dead_letters.ts";
import { EphemeralLane } from "./consumer/ephemeral.ts";
import { ensureGroups } from "./consumer/groups.ts";
import { Consumer } from "./consumer/loop.ts";
import { ReadLane } from "./consumer/reads.ts";
import { handlers } from "./domains/mod.ts";
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

export async function startWorker(config: Config, baseLog: Logger): Promise<RunningWorker> {
  const workerId = `w-${crypto.randomUUID().slice(0, 12)}`;
  parseIceServers(config.iceServers); // a bad ICE_SERVERS stops the start, not the first call
  const log = baseLog.child({ workerId });
  const keys = new Keys(config.keyPrefix);
  const redis = createRedis(config.redisUrl, `worker:${workerId}`);
  // One connection per blocking reader loop (each lane blocks on its own stream).
  const reader = createBlockingRedis(config.redisUrl, `worker-reader:${workerId}`);
  const readsReader = createBlockingRedis(config.redisUrl, `worker-reads:${workerId}`);
  const ephemeralReader = createBlockingRedis(config.redisUrl, `worker-eph:${workerId}`);
  // READ COMMITTED: no gap locks, so partitions creating new conversations side by side do not
  // deadlock; the rows a batch writes are serialized by the fence and head locks it takes.
  // A transaction idle past the lease TTL belongs to a paused worker that has lost its lease:
  // the server aborts it, so its locks cannot block the partition's next owner.
  const db = createDb(config.mysqlUrl, 10, {
    isolation: "READ COMMITTED",
    lockTimeoutSec: config.leaseTtlMs / 1000,
  });

  const registry = new Registry();
  const metrics = {
    processed: registry.add(
      new Counter("im_worker_entries_processed_total", "Stream entries processed, by lane."),
    ),
    deadLetters: registry.add(
      new Counter("im_dead_letters_total", "Entries moved to the dead-letter stream."),
    ),
    repushes: registry.add(
      new Counter("im_worker_repushes_total", "Deliveries pushed again for want of a device ack."),
    ),
    failures: registry.add(
      new Counter("im_worker_batch_failures_total", "Batches that failed transiently."),
    ),
    batchSeconds: registry.add(
      new Histogram("im_worker_batch_seconds", "Batch commit+publish time.", [
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

  const ids = new IdSource(redis, keys, workerId, config.leaseTtlMs, log);
  await ids.acquire();
  const manager = new PartitionManager(
    redis,
    keys,
    workerId,
    config.partitions,
    config.leaseTtlMs,
    log,
  );
  registry.add(new Gauge("im_worker_partitions_owned", "Partitions this worker holds.")).set(() =>
    manager.owned().size
  );
  const routes = new RouteStore(redis, keys, config.routeTtlSec * 1000);
  const offsetsMs = config.retryScheduleSec.map((s) => Number(s) * 1000);
  const publisher = new Publisher(redis, keys, routes, config.resultMaxLen, offsetsMs);
  const retry = new RetryScheduler(redis, keys, routes, db, publisher, offsetsMs);
  const processor = new BatchProcessor(db, handlers.tx, publisher, config, () => ids.next());
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
  });
  const realtime = new RealtimeLoop({ redis, keys, routes, db, config, publisher, workerId, log });
  await ensureGroups(redis, keys, config.partitions);
  await manager.heartbeat();

  const renewEvery = Math.max(100, Math.floor(config.leaseTtlMs / 3));
  const renewTimer = setInterval(() => {
    Promise.all([manager.heartbeat(), manager.renew(), ids.renew()])
      .catch((err) => log.warn("lease renewal failed", { err }));
  }, renewEvery);

  const abort = new AbortController();
  const loops = Promise.all([
    consumer.run(abort.signal),
    reads.run(abort.signal),
    ephemeral.run(abort.signal),
    realtime.run(abort.signal),
  ]);

  const server = Deno.serve(
    { hostname: config.host, port: config.workerPort, onListen: () => {} },
    async (req) => {
      const path = new URL(req.url).pathname;
      if (path === "/healthz") return Response.json({ ok: true, workerId });
      if (path === "/readyz") {
        try {
          await Promise.all([redis.ping(), sql`SELECT 1`.execute(db)]);
          return Response.json({ ok: true, partitions: [...manager.owned().keys()] });
        } catch {
          return Response.json({ ok: false }, { status: 503 });
        }
      }
      if (path === "/metrics") {
        return new Response(registry.render(), {
          headers: { "content-type": "text/plain; version=0.0.4" },
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
      stopping ??= (async () => {
        abort.abort();
        // Ends blocking reads at once; their entries stay pending for the next owner.
        for (const r of [reader, readsReader, ephemeralReader]) r.disconnect();
        await loops;
        clearInterval(renewTimer);
        await manager.releaseAll().catch((err) => log.warn("release failed", { err }));
        await ids.release().catch(() => {});
        await server.shutdown();
        await db.destroy();
        redis.disconnect();
        log.info("worker stopped");
      })();
      return stopping;
    },
  };
}
