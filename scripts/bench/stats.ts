/**
 * A mergeable latency histogram: log buckets 1% wide over microseconds, so percentiles are within
 * 1% and generator processes can send theirs to the orchestrator as a small sparse object.
 */

const RATIO = Math.log(1.01);
const MAX_BUCKET = 2200; // 1.01^2200 us is far beyond any bench duration

export interface HistogramData {
  count: number;
  sumUs: number;
  maxUs: number;
  /** bucket index -> count */
  buckets: Record<string, number>;
}

export interface LatencySummary {
  count: number;
  mean: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export class Histogram {
  #counts = new Float64Array(MAX_BUCKET + 1);
  count = 0;
  sumUs = 0;
  maxUs = 0;

  /** Records one latency in milliseconds. */
  record(ms: number): void {
    const us = ms * 1000;
    const i = us <= 1 ? 0 : Math.min(MAX_BUCKET, Math.ceil(Math.log(us) / RATIO));
    this.#counts[i]++;
    this.count++;
    this.sumUs += us;
    if (us > this.maxUs) this.maxUs = us;
  }

  toJSON(): HistogramData {
    const buckets: Record<string, number> = {};
    this.#counts.forEach((c, i) => {
      if (c) buckets[i] = c;
    });
    return { count: this.count, sumUs: this.sumUs, maxUs: this.maxUs, buckets };
  }

  merge(d: HistogramData): void {
    for (const [i, c] of Object.entries(d.buckets)) this.#counts[Number(i)] += c;
    this.count += d.count;
    this.sumUs += d.sumUs;
    this.maxUs = Math.max(this.maxUs, d.maxUs);
  }

  /** Value (ms) at quantile q: the upper edge of the bucket holding it, capped by the max. */
  quantile(q: number): number {
    if (this.count === 0) return 0;
    const rank = Math.ceil(q * this.count);
    let seen = 0;
    for (let i = 0; i <= MAX_BUCKET; i++) {
      seen += this.#counts[i];
      if (seen >= rank) return Math.min(Math.exp(i * RATIO), this.maxUs) / 1000;
    }
    return this.maxUs / 1000;
  }

  summary(): LatencySummary {
    const r = (v: number) => Math.round(v * 1000) / 1000;
    return {
      count: this.count,
      mean: r(this.count ? this.sumUs / this.count / 1000 : 0),
      p50: r(this.quantile(0.5)),
      p95: r(this.quantile(0.95)),
      p99: r(this.quantile(0.99)),
      max: r(this.maxUs / 1000),
    };
  }
}
