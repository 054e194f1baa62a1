/**
 * Our Prometheus registry: counters, gauges and histograms, text exposition format 0.0.4.
 *
 * Why our own and not prom-client's metric types: every `inc`/`observe` of prom-client hashes
 * the label values into a string, bound children included (measured here: 0.8-1.5 µs and one
 * string per call, against 25-130 ns and none for a bound series below). The hot path records
 * ~6 values per message per process, so series are bound once (`labels(...)`) and then cost a
 * few additions. prom-client still supplies the process and runtime collectors
 * (shared/telemetry/process.ts), whose text is appended at scrape time.
 *
 * Label values must come from bounded sets (frame types, error codes, hop names, partitions):
 * never user or conversation ids.
 */

type Labels = Record<string, string>;

const escapeValue = (v: string) =>
  v.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');
const renderLabels = (names: readonly string[], values: readonly string[], extra = "") => {
  const parts = names.map((n, i) => `${n}="${escapeValue(values[i])}"`);
  if (extra) parts.push(extra);
  return parts.length ? `{${parts.join(",")}}` : "";
};
const fmt = (v: number) =>
  Number.isNaN(v) ? "NaN" : v === Infinity ? "+Inf" : v === -Infinity ? "-Inf" : String(v);

interface Metric {
  readonly name: string;
  render(): string[];
}

/**
 * Series keyed by their label values. Without declared label names, labels are taken from the
 * first object passed (the older, object-per-call style; fine off the hot path).
 */
abstract class Family<S> implements Metric {
  #series = new Map<string, { values: string[]; s: S }>();
  #single: Map<string, S> | null;
  protected abstract kind: string;
  constructor(
    readonly name: string,
    readonly help: string,
    protected labelNames: string[] = [],
  ) {
    this.#single = labelNames.length === 1 ? new Map() : null;
  }
  protected abstract make(): S;
  protected abstract lines(prefix: string, labels: string, s: S): string[];

  /** The series of a one-label metric: a map lookup, no allocation once it exists. */
  one(value: string): S {
    return this.#single?.get(value) ?? this.labels(value);
  }

  /** The series of these label values, created at zero (so it is exported before it moves). */
  labels(...values: string[]): S {
    if (this.#single) {
      const hit = this.#single.get(values[0]);
      if (hit) return hit;
    }
    const key = values.join("\u0001");
    let entry = this.#series.get(key);
    if (!entry) {
      entry = { values, s: this.make() };
      this.#series.set(key, entry);
      this.#single?.set(values[0], entry.s);
    }
    return entry.s;
  }
  protected fromObject(labels: Labels): S {
    if (this.labelNames.length === 0 && Object.keys(labels).length) {
      this.labelNames = Object.keys(labels).sort();
    }
    return this.labels(...this.labelNames.map((n) => labels[n] ?? ""));
  }
  render(): string[] {
    const out = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} ${this.kind}`];
    for (const { values, s } of this.#series.values()) {
      out.push(...this.lines(this.name, renderLabels(this.labelNames, values), s));
    }
    return out;
  }
}

export class CounterSeries {
  value = 0;
  inc(by = 1): void {
    this.value += by;
  }
}

export class Counter extends Family<CounterSeries> {
  protected kind = "counter";
  protected make() {
    return new CounterSeries();
  }
  protected lines(name: string, labels: string, s: CounterSeries) {
    return [`${name}${labels} ${fmt(s.value)}`];
  }
  inc(labels: Labels = {}, by = 1): void {
    this.fromObject(labels).inc(by);
  }
  get(labels: Labels = {}): number {
    return this.fromObject(labels).value;
  }
}

export class GaugeSeries {
  #read: () => number = () => 0;
  set(value: number | (() => number)): void {
    this.#read = typeof value === "number" ? () => value : value;
  }
  get value(): number {
    return this.#read();
  }
}

export class Gauge extends Family<GaugeSeries> {
  protected kind = "gauge";
  protected make() {
    return new GaugeSeries();
  }
  protected lines(name: string, labels: string, s: GaugeSeries) {
    return [`${name}${labels} ${fmt(s.value)}`];
  }
  set(value: number | (() => number), labels: Labels = {}): void {
    this.fromObject(labels).set(value);
  }
}

export class HistogramSeries {
  readonly counts: Float64Array;
  sum = 0;
  count = 0;
  constructor(readonly buckets: readonly number[]) {
    this.counts = new Float64Array(buckets.length);
  }
  /** Counts are per bucket here and made cumulative when rendered: one increment per call. */
  observe(v: number): void {
    this.sum += v;
    this.count++;
    const b = this.buckets;
    for (let i = 0; i < b.length; i++) {
      if (v <= b[i]) {
        this.counts[i]++;
        return;
      }
    }
  }
}

export class Histogram extends Family<HistogramSeries> {
  protected kind = "histogram";
  constructor(name: string, help: string, readonly buckets: number[], labelNames: string[] = []) {
    super(name, help, labelNames);
    // An unlabelled histogram exists from the start.
    if (labelNames.length === 0) this.labels();
  }
  protected make() {
    return new HistogramSeries(this.buckets);
  }
  protected lines(name: string, labels: string, s: HistogramSeries) {
    const inner = labels ? labels.slice(1, -1) + "," : "";
    const out: string[] = [];
    let cum = 0;
    this.buckets.forEach((b, i) => {
      cum += s.counts[i];
      out.push(`${name}_bucket{${inner}le="${fmt(b)}"} ${cum}`);
    });
    out.push(`${name}_bucket{${inner}le="+Inf"} ${s.count}`);
    out.push(`${name}_sum${labels} ${fmt(s.sum)}`, `${name}_count${labels} ${s.count}`);
    return out;
  }
  observe(v: number, labels: Labels = {}): void {
    this.fromObject(labels).observe(v);
  }
}

/** Seconds, from 0.5 ms (a loopback round trip) to 10 s (a lock wait at the lease TTL). */
export const LATENCY_BUCKETS = [
  0.0005,
  0.001,
  0.0025,
  0.005,
  0.01,
  0.025,
  0.05,
  0.1,
  0.25,
  0.5,
  1,
  2.5,
  5,
  10,
];

export class Registry {
  #metrics: Metric[] = [];
  #collectors: Array<() => Promise<void> | void> = [];
  #texts: Array<() => Promise<string>> = [];

  add<M extends Metric>(m: M): M {
    if (this.#metrics.some((x) => x.name === m.name)) {
      throw new Error(`metric ${m.name} registered twice`);
    }
    this.#metrics.push(m);
    return m;
  }
  /** Runs before each scrape (gauges read from Redis, pool sizes). Failures skip, never fail. */
  collector(fn: () => Promise<void> | void): void {
    this.#collectors.push(fn);
  }
  /** Exposition text from elsewhere (prom-client's process collectors), appended at scrape. */
  appendText(fn: () => Promise<string>): void {
    this.#texts.push(fn);
  }
  /** What is recorded now, without running collectors. */
  render(): string {
    return this.#metrics.flatMap((m) => m.render()).join("\n") + "\n";
  }
  /** What a scrape answers: collectors first, then every metric and the appended texts. */
  async scrape(): Promise<string> {
    await Promise.all(this.#collectors.map((c) => Promise.resolve().then(c).catch(() => {})));
    const extra = await Promise.all(this.#texts.map((t) => t().catch(() => "")));
    return this.render() + extra.filter(Boolean).join("\n");
  }
}

/** The content type Prometheus expects for the text format. */
export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
