/**
 * Per-user frame rate across gateways, beside each connection's own bucket: one counter per user
 * and window in Redis that every gateway adds to. On the hot path a frame costs a map lookup:
 * gateways count locally and add their counts every FLUSH_MS in one pipeline, and a user whose
 * window total reached the budget is refused locally until the window ends. The price of cheap
 * is slack: a user may overshoot by what each gateway accepts in one flush interval.
 */
import type { Keys } from "@im/shared/keys";
import { pipeline, type Redis } from "@im/shared/redis";

export const USER_WINDOW_MS = 5000;
const FLUSH_MS = 250;

interface UserCount {
  pending: number;
  blockedUntil: number;
}

export class UserRateLimiter {
  #users = new Map<string, UserCount>();
  readonly #budget: number;

  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
    /** 0: no limit. */
    private readonly perSec: number,
    private readonly windowMs = USER_WINDOW_MS,
    private readonly now: () => number = Date.now,
  ) {
    this.#budget = Math.ceil((perSec * windowMs) / 1000);
  }

  get enabled(): boolean {
    return this.perSec > 0;
  }

  /** False when the user is over their budget for this window. */
  take(userId: string): boolean {
    if (this.perSec === 0) return true;
    let u = this.#users.get(userId);
    if (!u) this.#users.set(userId, u = { pending: 0, blockedUntil: 0 });
    if (u.blockedUntil > this.now()) return false;
    u.pending++;
    return true;
  }

  /** Adds the local counts to the users' window counters and learns who is over budget. */
  async flush(): Promise<void> {
    const now = this.now();
    const window = Math.floor(now / this.windowMs);
    const batch: Array<[string, UserCount]> = [];
    for (const [userId, u] of this.#users) {
      if (u.pending > 0) batch.push([userId, u]);
      else if (u.blockedUntil <= now) this.#users.delete(userId); // idle: forget
    }
    if (batch.length === 0) return;
    const pipe = pipeline(this.redis);
    for (const [userId, u] of batch) {
      const key = this.keys.userFrames(userId, window);
      pipe.incrby(key, u.pending).pexpire(key, 2 * this.windowMs);
      u.pending = 0;
    }
    const res = (await pipe.exec()) ?? [];
    batch.forEach(([, u], i) => {
      const [err, count] = res[2 * i] ?? [];
      if (!err && Number(count) >= this.#budget) u.blockedUntil = (window + 1) * this.windowMs;
    });
  }

  /** Flushes every FLUSH_MS until the signal aborts. */
  async run(signal: AbortSignal, onError: (err: unknown) => void): Promise<void> {
    while (!signal.aborted) {
      await new Promise((r) => setTimeout(r, FLUSH_MS));
      await this.flush().catch(onError);
    }
  }
}
