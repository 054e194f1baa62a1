/**
 * Which partitions this worker owns. Live workers heartbeat into a registry every quarter of
 * WORKER_DEAD_MS; each partition's desired owner is chosen by rendezvous hashing over the live
 * set, so every worker computes the same assignment and a join or leave moves only the
 * partitions it must. Ownership itself is a lease with a fencing token: a partition is taken
 * when free, or from an owner whose heartbeat is older than WORKER_DEAD_MS (it died, or is paused:
 * then the new fence refuses its commits), so failover takes about WORKER_DEAD_MS rather than a
 * lease lifetime. It is given up only between batches (the consumer calls `rebalance`), so two
 * workers never commit for one partition.
 */
import { Lease, pipeline, type Redis } from "@im/shared/redis";
import type { Keys } from "@im/shared/keys";
import type { Logger } from "@im/shared/log";
import { fnv1a } from "@im/shared/partition";

/** murmur3's finalizer: FNV-1a alone barely moves the high bits when only the last byte differs. */
function mix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

export function desiredOwner(partition: number, workers: string[]): string | undefined {
  let best: string | undefined;
  let bestScore = -1;
  for (const w of workers) {
    const score = mix32(fnv1a(`${w}#${partition}`));
    if (score > bestScore || (score === bestScore && w < best!)) [best, bestScore] = [w, score];
  }
  return best;
}

export class PartitionManager {
  #leases = new Map<number, Lease>();
  /** Partitions acquired since the consumer last asked: they need their pending entries reclaimed. */
  #fresh = new Set<number>();

  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
    readonly workerId: string,
    private readonly partitions: number,
    private readonly ttlMs: number,
    private readonly log: Logger,
    /** A worker silent this long is dead to the others. */
    private readonly deadMs: number = ttlMs,
    private readonly now: () => number = Date.now,
  ) {}

  /** When this worker's own heartbeat last reached the registry. */
  #beatAt = 0;
  /** The live set as last read (health and metrics show what it assigns here). */
  #lastLive: string[] = [];

  /** Partitions the last-read live set assigns to this worker, held or not. */
  desired(): number[] {
    const out: number[] = [];
    for (let p = 0; p < this.partitions; p++) {
      if (desiredOwner(p, this.#lastLive) === this.workerId) out.push(p);
    }
    return out;
  }

  /** How many workers the last read of the registry found live. */
  liveCount(): number {
    return this.#lastLive.length;
  }

  /**
   * False once our own heartbeat is older than WORKER_DEAD_MS: others may have taken our
   * partitions, so what we committed is left for them (or our recovery) to publish, instead of
   * publishing it a second time.
   */
  confident(): boolean {
    return this.now() - this.#beatAt < this.deadMs;
  }

  /** Partition -> fence for every partition currently held. */
  owned(): Map<number, number> {
    return new Map([...this.#leases].map(([p, l]) => [p, l.fence]));
  }

  takeFresh(): number[] {
    const out = [...this.#fresh];
    this.#fresh.clear();
    return out;
  }

  async heartbeat(): Promise<void> {
    const at = this.now();
    await this.redis.zadd(this.keys.workerRegistry(), at, this.workerId);
    this.#beatAt = at;
  }

  async liveWorkers(): Promise<string[]> {
    const key = this.keys.workerRegistry();
    const since = this.now() - this.deadMs;
    const [, live] = await pipeline(this.redis)
      .zremrangebyscore(key, "-inf", since - 60_000)
      .zrangebyscore(key, since, "+inf")
      .exec() as [[null, number], [null, string[]]];
    this.#lastLive = live[1].includes(this.workerId) ? live[1] : [...live[1], this.workerId];
    return this.#lastLive;
  }

  /** Renews every held lease; drops (and reports) the ones that were lost. */
  async renew(): Promise<number[]> {
    const lost: number[] = [];
    await Promise.all([...this.#leases].map(async ([p, lease]) => {
      if (!(await lease.renew())) {
        this.#leases.delete(p);
        lost.push(p);
      }
    }));
    if (lost.length) this.log.warn("partition leases lost", { partitions: lost });
    return lost;
  }

  /** Whether the live set now wants a different assignment than the one held. */
  async unsettled(): Promise<boolean> {
    const workers = await this.liveWorkers();
    for (let p = 0; p < this.partitions; p++) {
      if ((desiredOwner(p, workers) === this.workerId) !== this.#leases.has(p)) return true;
    }
    return false;
  }

  /**
   * Releases partitions desired elsewhere and takes the ones desired here: free ones, and those
   * whose holder is not live (its partitions would otherwise wait out its lease). Call between
   * batches; `beforeRelease` ends what still reads the partitions about to go.
   */
  async rebalance(beforeRelease?: (partitions: number[]) => Promise<void>): Promise<void> {
    const workers = await this.liveWorkers();
    const release: number[] = [];
    const take: number[] = [];
    for (let p = 0; p < this.partitions; p++) {
      const mine = desiredOwner(p, workers) === this.workerId;
      if (!mine && this.#leases.has(p)) release.push(p);
      if (mine && !this.#leases.has(p)) take.push(p);
    }
    if (release.length && beforeRelease) await beforeRelease(release);
    await Promise.all(release.map((p) => this.#release(p)));
    const holders = take.length
      ? await Promise.all(take.map((p) => this.redis.get(this.keys.partitionLease(p))))
      : [];
    const live = new Set(workers);
    await Promise.all(take.map(async (p, i) => {
      const lease = new Lease(
        this.redis,
        this.keys.partitionLease(p),
        this.keys.partitionFence(p),
        this.workerId,
        this.ttlMs,
      );
      const holder = Lease.ownerOf(holders[i]);
      const displace = holder && !live.has(holder) ? holder : "";
      if (await lease.acquire(displace)) {
        if (displace) this.log.info("took partition from a dead owner", { partition: p, displace });
        this.#leases.set(p, lease);
        this.#fresh.add(p);
      }
    }));
    if (release.length || take.length) {
      this.log.info("partitions rebalanced", {
        released: release,
        owned: [...this.#leases.keys()].sort((a, b) => a - b),
        workers: workers.length,
      });
    }
  }

  async #release(p: number) {
    const lease = this.#leases.get(p);
    this.#leases.delete(p);
    this.#fresh.delete(p);
    await lease?.release();
  }

  /** Drops a partition whose commit was fenced: someone newer owns it. */
  forget(p: number) {
    this.#leases.delete(p);
    this.#fresh.delete(p);
  }

  async releaseAll(): Promise<void> {
    await Promise.all([...this.#leases.keys()].map((p) => this.#release(p)));
    await this.redis.zrem(this.keys.workerRegistry(), this.workerId);
  }
}
