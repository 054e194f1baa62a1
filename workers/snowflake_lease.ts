/**
 * Leases a snowflake worker id (0..1023) in Redis so no two live workers ever share one: ids are
 * tried in random order and held with a renewed lease. If the lease is lost (Redis partition,
 * long pause), id generation stops until a fresh id is leased, rather than risk a collision.
 */
import { Lease, type Redis } from "@im/shared/redis";
import type { Keys } from "@im/shared/keys";
import { MAX_WORKER_ID, Snowflake } from "@im/shared/snowflake";
import type { Logger } from "@im/shared/log";
import { IdsUnavailableError } from "./errors.ts";

export class IdSource {
  #lease: Lease | null = null;
  #gen: Snowflake | null = null;
  /** After this instant the lease may have passed to someone else: issue nothing. */
  #validUntil = 0;

  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
    private readonly owner: string,
    private readonly ttlMs: number,
    private readonly log: Logger,
  ) {}

  get workerId(): number | null {
    return this.#gen?.workerId ?? null;
  }

  /** Leases a free worker id; throws if all 1024 are taken. */
  async acquire(): Promise<number> {
    const order = [...Array(MAX_WORKER_ID + 1).keys()].sort(() => Math.random() - 0.5);
    for (const n of order) {
      const lease = new Lease(
        this.redis,
        this.keys.snowflakeLease(n),
        this.keys.snowflakeFence(n),
        this.owner,
        this.ttlMs,
      );
      const started = Date.now();
      if (await lease.acquire()) {
        this.#validUntil = started + this.ttlMs;
        this.#lease = lease;
        this.#gen = new Snowflake(n);
        this.log.info("snowflake worker id leased", { snowflakeId: n });
        return n;
      }
    }
    throw new Error("all snowflake worker ids are leased");
  }

  /** Called on a timer shorter than the TTL; on loss, stops issuing and leases a new id. */
  async renew(): Promise<void> {
    const started = Date.now();
    if (this.#lease && await this.#lease.renew()) {
      this.#validUntil = started + this.ttlMs;
      return;
    }
    this.log.warn("snowflake worker id lease lost; re-leasing", { snowflakeId: this.workerId });
    this.#gen = null;
    this.#lease = null;
    await this.acquire();
  }

  next(): string {
    if (!this.#gen || Date.now() >= this.#validUntil) throw new IdsUnavailableError();
    return this.#gen.nextString();
  }

  async release(): Promise<void> {
    await this.#lease?.release();
    this.#lease = null;
    this.#gen = null;
  }
}
