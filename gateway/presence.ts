/**
 * Tells the workers' presence sweep which connections to look at: every connect and disconnect
 * schedules its `<user>|<device>|<conn>` as due now (the sweep reads the routes and decides;
 * the gateway decides nothing). Members of one burst (a drain, a storm of reconnects) go out
 * in one pipelined round trip.
 */
import { type Keys, REALTIME_SHARDS } from "@im/shared/keys";
import type { Logger } from "@im/shared/log";
import { partitionOf } from "@im/shared/partition";
import { pipeline, type Redis } from "@im/shared/redis";

export interface ConnRef {
  userId: string;
  deviceId: string;
  connId: string;
}

export class PresenceEvents {
  #pending: ConnRef[] = [];
  #flushing: Promise<void> | null = null;

  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  /** A connection came or went; resolves once the sweep has been told. */
  changed(c: ConnRef): Promise<void> {
    this.#pending.push(c);
    this.#flushing ??= Promise.resolve().then(() => this.#flush());
    return this.#flushing;
  }

  async #flush(): Promise<void> {
    const batch = this.#pending;
    this.#pending = [];
    this.#flushing = null;
    const now = this.now();
    const byShard = new Map<number, Array<number | string>>();
    for (const c of batch) {
      const shard = partitionOf(c.userId, REALTIME_SHARDS);
      const args = byShard.get(shard) ?? [];
      args.push(now, `${c.userId}|${c.deviceId}|${c.connId}`);
      byShard.set(shard, args);
    }
    const pipe = pipeline(this.redis);
    for (const [shard, args] of byShard) pipe.zadd(this.keys.presenceDue(shard), ...args);
    try {
      await pipe.exec();
    } catch (err) {
      // Presence then catches up at the routes' expiry, when the sweep looks anyway.
      this.log.warn("presence event not written", { err, conns: batch.length });
    }
  }
}
