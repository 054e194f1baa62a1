/** A small Prometheus registry: counters, gauges and histograms with labels, text exposition. */

type Labels = Record<string, string>;
const keyOf = (l: Labels) =>
  Object.entries(l).sort().map(([k, v]) => `${k}="${v.replace(/["\\\n]/g, "_")}"`).join(",");

interface Metric {
  render(): string[];
}

export class Counter implements Metric {
  #values = new Map<string, number>();
  constructor(readonly name: string, readonly help: string) {}
  inc(labels: Labels = {}, by = 1) {
    const k = keyOf(labels);
    this.#values.set(k, (this.#values.get(k) ?? 0) + by);
  }
  get(labels: Labels = {}): number {
    return this.#values.get(keyOf(labels)) ?? 0;
  }
  render() {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`];
    for (const [k, v] of this.#values) lines.push(`${this.name}${k ? `{${k}}` : ""} ${v}`);
    return lines;
  }
}

export class Gauge implements Metric {
  #values = new Map<string, () => number>();
  constructor(readonly name: string, readonly help: string) {}
  set(value: number | (() => number), labels: Labels = {}) {
    this.#values.set(keyOf(labels), typeof value === "number" ? () => value : value);
  }
  render() {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} gauge`];
    for (const [k, v] of this.#values) lines.push(`${this.name}${k ? `{${k}}` : ""} ${v()}`);
    return lines;
  }
}

export class Histogram implements Metric {
  #counts: number[];
  #sum = 0;
  #n = 0;
  constructor(readonly name: string, readonly help: string, readonly buckets: number[]) {
    this.#counts = buckets.map(() => 0);
  }
  observe(v: number) {
    this.#sum += v;
    this.#n++;
    for (let i = 0; i < this.buckets.length; i++) if (v <= this.buckets[i]) this.#counts[i]++;
  }
  render() {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    this.buckets.forEach((b, i) => lines.push(`${this.name}_bucket{le="${b}"} ${this.#counts[i]}`));
    lines.push(`${this.name}_bucket{le="+Inf"} ${this.#n}`);
    lines.push(`${this.name}_sum ${this.#sum}`, `${this.name}_count ${this.#n}`);
    return lines;
  }
}

export class Registry {
  #metrics: Metric[] = [];
  add<M extends Metric>(m: M): M {
    this.#metrics.push(m);
    return m;
  }
  render(): string {
    return this.#metrics.flatMap((m) => m.render()).join("\n") + "\n";
  }
}
