/**
 * Reconnect delays: exponential, capped, with "equal jitter" (half fixed, half random) so a
 * gateway restart does not bring every client back in the same millisecond, yet no client
 * retries in a tight loop. `random` is injected for tests.
 */

export interface BackoffOptions {
  /** First delay before jitter, ms. */
  baseMs: number;
  /** Largest delay, ms. */
  maxMs: number;
  factor: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 500, maxMs: 30_000, factor: 2 };

export class Backoff {
  #attempt = 0;

  constructor(
    private readonly opts: BackoffOptions = DEFAULT_BACKOFF,
    private readonly random: () => number = Math.random,
  ) {}

  /** Attempts since the last `reset()`. */
  get attempt(): number {
    return this.#attempt;
  }

  /** The delay before the next attempt; each call counts one attempt. */
  next(): number {
    const exp = Math.min(this.opts.maxMs, this.opts.baseMs * this.opts.factor ** this.#attempt);
    this.#attempt++;
    const half = exp / 2;
    return Math.round(half + this.random() * half);
  }

  reset(): void {
    this.#attempt = 0;
  }
}
