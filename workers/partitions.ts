/**
 * Which partitions this worker owns. Live workers heartbeat into a registry; each partition's
 * desired owner is chosen by rendezvous hashing over the live set, so every worker computes the
 * same assignment and a join or leave moves only the partitions it must. Ownership itself is a
 * lease with a fencing token: a partition is taken only when free, and given up only between
 * batches (the consumer calls `rebalance`), so two workers never process one partition at once.
 */
import { Lease, type Redis } from "@im/shared/redis";
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
    private readonly now: () => number = Date.now,
  ) {}

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
    await this.redis.zadd(this.keys.workerRegistry(), this.now(), this.workerId);
  }

  async liveWorkers(): Promise<string[]> {
    const key = this.keys.workerRegistry();
    const since = this.now() - this.ttlMs;
    const [, live] = await this.redis.pipeline()
      .zremrangebyscore(key, "-inf", since - 60_000)
      .zrangebyscore(key, since, "+inf")
      .exec() as [[null, number], [null, string[]]];
    return live[1].includes(this.workerId) ? live[1] : [...live[1], this.workerId];
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

  /** Releases partitions desired elsewhere and takes free ones desired here. Call between batches. */
  async rebalance(): Promise<void> {
    const workers = await this.liveWorkers();
    const release: number[] = [];
    const take: number[] = [];
    for (let p = 0; p < this.partitions; p++) {
      const mine = desiredOwner(p, workers) === this.workerId;
      if (!mine && this.#leases.has(p)) release.push(p);
      if (mine && !this.#leases.has(p)) take.push(p);
    }
    await Promise.all(release.map((p) => this.#release(p)));
    await Promise.all(take.map(async (p) => {
      const lease = new Lease(
        this.redis,
        this.keys.partitionLease(p),
        this.keys.partitionFence(p),
        this.workerId,
        this.ttlMs,
      );
      if (await lease.acquire()) {
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
