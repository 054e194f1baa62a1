/**
 * Per-connection token bucket, plus an abuse counter: frames refused within a sliding 10 s
 * window; past the threshold the connection is closed instead of answered.
 */
export class RateLimiter {
  #tokens: number;
  #last: number;
  #refusals: number[] = [];

  constructor(
    private readonly perSec: number,
    private readonly burst: number,
    private readonly abuseThreshold: number,
    private readonly now: () => number = Date.now,
  ) {
    this.#tokens = burst;
    this.#last = now();
  }

  /** "ok" to accept, "limited" to refuse with an error frame, "abuse" to close. */
  take(): "ok" | "limited" | "abuse" {
    const t = this.now();
    this.#tokens = Math.min(this.burst, this.#tokens + ((t - this.#last) / 1000) * this.perSec);
    this.#last = t;
    if (this.#tokens >= 1) {
      this.#tokens -= 1;
      return "ok";
    }
    this.#refusals.push(t);
    while (this.#refusals.length && this.#refusals[0] <= t - 10_000) this.#refusals.shift();
    return this.#refusals.length > this.abuseThreshold ? "abuse" : "limited";
  }
}
