/**
 * The transactional lane's consumer loop: it owns reading the partitions this worker leases,
 * acking (through the processor), reclaiming, dead-lettering, trimming and their metrics;
 * handlers never see any of it.
 *
 * For each partition it holds, a worker first reclaims every pending entry (see recovery.ts),
 * then reads new entries. What one read returns commits in one transaction when traffic is
 * light and over up to COMMIT_LANES transactions side by side when heavy.
 *
 * With TX_IN_FLIGHT above 1 (default 1), reading does not wait for committing: while a batch's
 * transaction runs, the loop reads again, so an entry of another partition starts its own
 * transaction at once instead of queueing behind the batch in hand.
 * Each partition's batches still commit one after another in stream order (a batch of a
 * partition with one in flight is chained behind it), publishes keep commit order, and the loop
 * reads again only while fewer than TX_IN_FLIGHT lanes are committing (more of them is more,
 * smaller, transactions: on two cores shared with the stores, each costs CPU; docs/BENCHMARKS.md
 * "Latency at everyday load").
 */
import type { Config } from "@im/shared/config";
import { CONSUMER_GROUP, type Keys } from "@im/shared/keys";
import type { Logger } from "@im/shared/log";
import type { Redis } from "@im/shared/redis";
import type { Counter, Histogram } from "@im/shared/metrics";
import {
  type BatchProcessor,
  type Committed,
  decodeEntry,
  type PartitionBatch,
  type RawEntry,
} from "../batch.ts";
import type { Entry } from "../context.ts";
import { FencedError, NotConfidentError } from "../errors.ts";
import type { PartitionManager } from "../partitions.ts";
import type { RetryScheduler } from "../retry.ts";
import { DeadLetters } from "./dead_letters.ts";
import { reclaimPending } from "./recovery.ts";
import { sleep } from "./sleep.ts";
import type { TxTiming } from "./timing.ts";
import { trimBelowPending } from "./trim.ts";
import { createPartitionReader, type PartitionReader } from "./partition_reader.ts";

export interface ConsumerMetrics {
  processed: Counter;
  failures: Counter;
  batchSeconds: Histogram;
}

export interface ConsumerDeps {
  redis: Redis;
  reader: Redis;
  keys: Keys;
  config: Config;
  log: Logger;
  manager: PartitionManager;
  processor: BatchProcessor;
  deadLetters: DeadLetters;
  retry: RetryScheduler;
  metrics: ConsumerMetrics;
  /** Hop metrics and spans of each batch (timing.ts); none in tests that do not look. */
  timing?: TxTiming;
  /** Cheap health probe of the stores: retries wait for it so an outage burns no delivery counts. */
  ping(): Promise<void>;
  /** Raises the committed fence of a partition just acquired, before any of its batches. */
  raiseFence(partition: number, fence: number): Promise<void>;
}

const REBALANCE_MS = 1000;
const TRIM_MS = 10_000;
/** How often an owner looks for entries left pending under another consumer (see #sweep). */
const SWEEP_MS = 2000;
/**
 * How long after acquiring a partition each batch of it is checked for entries pending under
 * another consumer before it commits (see #orphansFirst), in multiples of REBALANCE_MS +
 * BLOCK_MS: a previous owner's read can still deliver entries after the lease moved, since it
 * was issued before that owner's next rebalance and blocks up to BLOCK_MS.
 */
const GUARD_SPANS = 4;
const RETRY_MS = 500;
/** Transactions one read's partitions are spread over (see #step). */
const COMMIT_LANES = 4;
const ENTRIES_PER_LANE = 100;

export class Consumer {
  #recovering = new Map<number, { retryAt: number; attempt: number }>();
  #lastTrim = new Map<number, number>();
  /** Publishes of committed batches, chained in commit order. */
  #publishing: Promise<void> = Promise.resolve();
  #rebalanceDue = true;
  readonly #reader: PartitionReader;
  /** Per partition: its last batch read and not yet committed (the next one chains behind). */
  #tails = new Map<number, Promise<void>>();
  /** Lanes started and not yet committed. */
  #inFlight = new Set<Promise<void>>();
  /** Partitions acquired lately, with when (see #orphansFirst). */
  #acquiredAt = new Map<number, number>();

  constructor(private readonly d: ConsumerDeps) {
    this.#reader = createPartitionReader({
      reader: d.reader,
      redis: d.redis,
      keys: d.keys,
      workerId: d.manager.workerId,
      count: d.config.batchSize,
      blockMs: d.config.blockMs,
    });
  }

  /** Rebalance now (the live set changed): ends the blocking read instead of waiting it out. */
  wake(): void {
    this.#rebalanceDue = true;
    this.#reader.wake();
  }

  async run(signal: AbortSignal): Promise<void> {
    const side = this.#sideLoop(signal);
    let lastRebalance = 0;
    while (!signal.aborted) {
      try {
        if (this.#rebalanceDue || Date.now() - lastRebalance >= REBALANCE_MS) {
          this.#rebalanceDue = false;
          await this.#settled(); // acks land before a partition can move
          await this.d.manager.rebalance((gone) => this.#reader.release(gone));
          lastRebalance = Date.now();
        }
        await this.#step(signal);
      } catch (err) {
        if (signal.aborted) break;
        this.d.log.error("consumer loop error", { err });
        await sleep(500, signal);
      }
    }
    await side;
    await this.#settled();
    this.#reader.close();
  }

  /** Every batch read so far committed (or failed) and its publish done. */
  async #settled() {
    while (this.#inFlight.size) await Promise.all(this.#inFlight);
    await this.#publishing;
  }

  async #step(signal: AbortSignal) {
    for (const p of this.d.manager.takeFresh()) {
      this.#recovering.set(p, { retryAt: 0, attempt: 0 });
      this.#acquiredAt.set(p, Date.now());
    }
    const owned = this.d.manager.owned();
    for (const p of this.#recovering.keys()) if (!owned.has(p)) this.#recovering.delete(p);
    for (const [p, r] of this.#recovering) {
      if (r.retryAt <= Date.now() && !signal.aborted) await this.#recover(p, owned.get(p)!);
    }
    const readable = [...owned.keys()].filter((p) => !this.#recovering.has(p));
    if (readable.length === 0) return void await sleep(100, signal);
    const { read, stale, failed } = await this.#reader.read(readable);
    for (const p of stale) {
      if (owned.has(p) && !this.#recovering.has(p)) {
        this.#recovering.set(p, { retryAt: 0, attempt: 0 });
      }
    }
    for (const f of failed) {
      this.d.log.warn("partition read failed; reading again", {
        partition: f.partition,
        err: f.err,
      });
    }
    if (read.length === 0) return;
    const readAt = performance.now();
    const batches: PartitionBatch[] = [];
    const orphaned = await this.#orphansFirst(read.map((r) => r.partition));
    for (const { stream, partition: p, raw } of read) {
      if (orphaned.has(p)) continue; // what was read stays pending: recovery runs it in order
      const entries = await this.#decode(p, raw);
      if (entries.length) {
        const b = { stream, partition: p, fence: owned.get(p)!, entries };
        this.d.timing?.read(b, readAt);
        batches.push(b);
      }
    }
    // Partitions with a batch in flight chain this one behind it; the others start now, merged
    // into lanes. On failure a lane's partitions are retried one by one, so one partition's
    // trouble stays its own.
    const idle = batches.filter((b) => !this.#tails.has(b.partition));
    for (const b of batches) {
      const tail = this.#tails.get(b.partition);
      if (tail) this.#start([b], tail);
    }
    const total = idle.reduce((n, b) => n + b.entries.length, 0);
    const n = Math.min(COMMIT_LANES, idle.length, Math.ceil(total / ENTRIES_PER_LANE));
    for (let i = 0; i < n; i++) this.#start(idle.filter((_, j) => j % n === i), null);
    while (this.#inFlight.size >= this.d.config.txInFlight) await Promise.race(this.#inFlight);
  }

  /** Runs a lane once `after` (its partitions' previous batch) is done; tracks it until then. */
  #start(lane: PartitionBatch[], after: Promise<void> | null) {
    const run = (after ?? Promise.resolve()).then(() => this.#runLaneIfStill(lane));
    const done: Promise<void> = run.finally(() => {
      this.#inFlight.delete(done);
      for (const b of lane) {
        if (this.#tails.get(b.partition) === done) this.#tails.delete(b.partition);
      }
    });
    this.#inFlight.add(done);
    for (const b of lane) this.#tails.set(b.partition, done);
  }

  /**
   * A chained batch runs only if its partition is still ours under the same fence and nothing
   * before it failed: otherwise its entries stay pending, for recovery to run them in order.
   */
  #runLaneIfStill(lane: PartitionBatch[]): Promise<void> {
    const owned = this.d.manager.owned();
    const still = lane.filter((b) =>
      owned.get(b.partition) === b.fence && !this.#recovering.has(b.partition)
    );
    for (const b of lane) if (!still.includes(b)) this.d.timing?.failed([b], "skipped");
    return still.length ? this.#runLane(still) : Promise.resolve();
  }

  /**
   * Re-pushes and trimming run beside the reading loop, so a burst of due re-pushes or a round
   * of trims never delays new messages.
   */
  async #sideLoop(signal: AbortSignal) {
    let lastSweep = Date.now();
    while (!signal.aborted) {
      await sleep(RETRY_MS, signal);
      const partitions = [...this.d.manager.owned().keys()].filter((p) => !this.#recovering.has(p));
      try {
        await this.d.retry.runDue(partitions); // counted by attempt (RetryScheduler.onRepush)
        await this.#trim(partitions);
        if (Date.now() - lastSweep >= SWEEP_MS) {
          lastSweep = Date.now();
          await this.#sweep(partitions);
        }
      } catch (err) {
        if (!signal.aborted) this.d.log.warn("re-push or trim failed; will try again", { err });
      }
    }
  }

  /**
   * Commits a lane, then queues its publish behind the previous ones: the next read and
   * transaction overlap this publish (the batch is committed, so that is safe), and publishes
   * keep their order. On failure a merged lane's partitions are retried one by one.
   */
  async #runLane(lane: PartitionBatch[]) {
    const started = performance.now();
    try {
      const done = await this.d.processor.commit(lane);
      this.d.timing?.committed(lane);
      this.d.metrics.processed.inc({ lane: "tx" }, done.processed);
      this.#publishing = this.#publishing.then(() => this.#publish(done)).then(
        () => {
          this.d.timing?.published(lane);
          this.d.metrics.batchSeconds.observe((performance.now() - started) / 1000);
        },
        (err) => {
          this.d.timing?.failed(lane, err);
          for (const b of lane) this.#failed(b.partition, err);
        },
      );
    } catch (err) {
      if (lane.length > 1) {
        this.d.log.debug("merged batch failed; retrying per partition", { err });
        for (const b of lane) await this.#runLane([b]);
      } else {
        this.d.timing?.failed(lane, err);
        this.#failed(lane[0].partition, err);
      }
    }
  }

  /** A partition's batch failed: fenced out, or retried from its pending entries later. */
  #failed(p: number, err: unknown) {
    if (err instanceof FencedError) {
      this.d.log.warn("fenced out of partition; leaving it", { partition: p, err });
      this.d.manager.forget(p);
      this.#recovering.delete(p);
      return;
    }
    this.d.metrics.failures.inc();
    const prev = this.#recovering.get(p)?.attempt ?? 0;
    const delay = Math.min(100 * 2 ** prev, 5000);
    this.#recovering.set(p, { retryAt: Date.now() + delay, attempt: prev + 1 });
    this.d.log.warn("batch failed; will retry from pending", { partition: p, err, delay });
  }

  /** Decodes raw entries; undecodable ones are dead-lettered at once. */
  async #decode(p: number, raw: RawEntry[]): Promise<Entry[]> {
    const entries: Entry[] = [];
    const corrupt: RawEntry[] = [];
    for (const r of raw) {
      const e = decodeEntry(r, p);
      if (e) entries.push(e);
      else corrupt.push(r);
    }
    await this.d.deadLetters.bury(this.d.keys.partition(p), p, corrupt, "undecodable entry", 0);
    return entries;
  }

  /**
   * Publishes a committed batch, unless this worker may have been declared dead meanwhile (its
   * own heartbeat is stale, e.g. it was paused): then another owner may be publishing the same
   * entries, so they are left pending for whoever owns the partition now.
   */
  #publish(done: Committed): Promise<number> {
    if (!this.d.manager.confident()) return Promise.reject(new NotConfidentError());
    return this.d.processor.publish(done);
  }

  /** Processes one partition's batch, publish included (no overlap). Returns false on failure. */
  async #runBatch(b: PartitionBatch): Promise<boolean> {
    const started = performance.now();
    this.d.timing?.read(b, started);
    try {
      await this.#publishing;
      const done = await this.d.processor.commit([b]);
      this.d.timing?.committed([b]);
      await this.#publish(done);
      this.d.timing?.published([b]);
      this.d.metrics.processed.inc({ lane: "tx" }, done.processed);
      this.d.metrics.batchSeconds.observe((performance.now() - started) / 1000);
      return true;
    } catch (err) {
      this.d.timing?.failed([b], err);
      this.#failed(b.partition, err);
      return false;
    }
  }

  /** Reclaims this partition's pending entries and processes them in order. */
  async #recover(p: number, fence: number) {
    // Entries read, committing or publishing (and acking) are not pending work.
    await this.#tails.get(p);
    await this.#publishing;
    try {
      await this.d.ping();
      await this.d.raiseFence(p, fence);
    } catch (err) {
      const r = this.#recovering.get(p)!;
      r.retryAt = Date.now() + Math.min(200 * 2 ** r.attempt++, 5000);
      this.d.log.warn("stores unavailable; holding pending entries", { partition: p, err });
      return;
    }
    const done = await reclaimPending(
      {
        redis: this.d.redis,
        workerId: this.d.manager.workerId,
        batchSize: this.d.config.batchSize,
        maxDeliveries: this.d.config.maxDeliveries,
        deadLetters: this.d.deadLetters,
        decode: (q, raw) => this.#decode(q, raw),
        runBatch: (b) => this.#runBatch(b),
      },
      this.d.keys.partition(p),
      p,
      fence,
    );
    if (done) this.#recovering.delete(p);
  }

  /**
   * Send order across a handover. A previous owner's read that returned after this worker took
   * the partition over (and reclaimed its pending entries) leaves entries pending under that
   * owner, ahead of what this worker reads next: committing the later entries first would give
   * them the earlier seqs. So for a while (GUARD_SPANS) after acquiring a partition, each read of it asks
   * XPENDING (the summary form, one command per partition, side by side) before committing;
   * a partition with entries pending under another consumer is recovered instead, which claims
   * every pending entry, the orphans and this read's alike, and runs them in stream order.
   * Returns those partitions. After that the sweep (#sweep) is the safety net.
   */
  async #orphansFirst(partitions: number[]): Promise<Set<number>> {
    const now = Date.now();
    const guardMs = GUARD_SPANS * (REBALANCE_MS + this.d.config.blockMs);
    for (const [p, at] of this.#acquiredAt) if (now - at >= guardMs) this.#acquiredAt.delete(p);
    const guarded = partitions.filter((p) => this.#acquiredAt.has(p));
    const orphaned = new Set<number>();
    await Promise.all(guarded.map(async (p) => {
      const others = await this.#othersPending(p);
      if (!others.length) return;
      this.d.log.warn("entries pending under a previous owner; running them first", {
        partition: p,
        consumers: others,
      });
      orphaned.add(p);
      this.#recovering.set(p, { retryAt: 0, attempt: 0 });
    }));
    return orphaned;
  }

  /** The other consumers with entries pending in partition `p` (XPENDING's summary form). */
  async #othersPending(p: number): Promise<string[]> {
    const [count, , , consumers] = await this.d.redis.xpending(
      this.d.keys.partition(p),
      CONSUMER_GROUP,
    ) as [number, string | null, string | null, Array<[string, string]> | null];
    const me = this.d.manager.workerId;
    return count ? (consumers ?? []).map(([name]) => name).filter((n) => n !== me) : [];
  }

  /**
   * Entries pending under another consumer in a partition this worker owns and has recovered
   * are orphans: a read of a previous owner that returned after its lease was lost (it cannot
   * commit them: its fence is stale). Left alone they would wait for the next handover and hold
   * trimming back, so their partition is recovered again, which claims and runs them.
   */
  async #sweep(partitions: number[]) {
    await Promise.all(partitions.map(async (p) => {
      const others = await this.#othersPending(p);
      if (!others.length || !this.d.manager.owned().has(p) || this.#recovering.has(p)) return;
      this.d.log.warn("entries left pending by another consumer; reclaiming", {
        partition: p,
        consumers: others,
      });
      this.#recovering.set(p, { retryAt: 0, attempt: 0 });
    }));
  }

  /** Trims each stream up to its oldest pending entry (never below it). */
  async #trim(partitions: number[]) {
    const now = Date.now();
    const due = partitions.filter((p) => now - (this.#lastTrim.get(p) ?? 0) >= TRIM_MS);
    if (due.length === 0) return;
    for (const p of due) this.#lastTrim.set(p, now);
    await trimBelowPending(this.d.redis, due.map((p) => this.d.keys.partition(p)));
  }
}
