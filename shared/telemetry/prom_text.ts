/**
 * Reading Prometheus text back: samples by name and labels, and quantiles of a histogram. For
 * tests and the bench, which scrape a gateway's and a worker's /metrics (the hop histograms,
 * docs/ARCHITECTURE.md "Operating it") and compare two scrapes taken around a run.
 */

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

export function parseSamples(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split("\n")) {
    if (!line || line.startsWith("#")) continue;
    const m = LINE.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? "").matchAll(LABEL)) {
      labels[l[1]] = l[2].replace(/\\n/g, "\n").replace(/\\(["\\])/g, "$1");
    }
    const v = m[3] === "+Inf" ? Infinity : m[3] === "-Inf" ? -Infinity : Number(m[3]);
    out.push({ name: m[1], labels, value: v });
  }
  return out;
}

/** Samples of `name` whose labels include every pair of `match`. */
export function select(
  samples: Sample[],
  name: string,
  match: Record<string, string> = {},
): Sample[] {
  return samples.filter((s) =>
    s.name === name && Object.entries(match).every(([k, v]) => s.labels[k] === v)
  );
}

/** The sum of the matching samples' values (0 when none). */
export function total(samples: Sample[], name: string, match: Record<string, string> = {}) {
  return select(samples, name, match).reduce((n, s) => n + s.value, 0);
}

/** A histogram's cumulative buckets (summed over series that match), ascending `le`. */
export interface Buckets {
  le: number[];
  counts: number[];
  count: number;
  sum: number;
}

export function histogram(
  samples: Sample[],
  name: string,
  match: Record<string, string> = {},
): Buckets {
  const byLe = new Map<number, number>();
  for (const s of select(samples, `${name}_bucket`, match)) {
    const le = s.labels.le === "+Inf" ? Infinity : Number(s.labels.le);
    byLe.set(le, (byLe.get(le) ?? 0) + s.value);
  }
  const le = [...byLe.keys()].sort((a, b) => a - b);
  return {
    le,
    counts: le.map((l) => byLe.get(l)!),
    count: total(samples, `${name}_count`, match),
    sum: total(samples, `${name}_sum`, match),
  };
}

/** The difference of two scrapes of one histogram (what happened between them). */
export function delta(after: Buckets, before: Buckets): Buckets {
  const prior = new Map(before.le.map((l, i) => [l, before.counts[i]]));
  return {
    le: after.le,
    counts: after.counts.map((c, i) => c - (prior.get(after.le[i]) ?? 0)),
    count: after.count - before.count,
    sum: after.sum - before.sum,
  };
}

/**
 * The q-quantile by linear interpolation inside the bucket, as PromQL's histogram_quantile
 * does (an upper bound of the real value, at the resolution of the buckets). NaN when empty.
 */
export function quantile(b: Buckets, q: number): number {
  const n = b.counts.at(-1) ?? 0;
  if (n === 0) return NaN;
  const rank = q * n;
  for (let i = 0; i < b.le.length; i++) {
    if (b.counts[i] >= rank) {
      if (b.le[i] === Infinity) return b.le[i - 1] ?? NaN;
      const lo = i === 0 ? 0 : b.le[i - 1];
      const below = i === 0 ? 0 : b.counts[i - 1];
      const inBucket = b.counts[i] - below;
      return inBucket === 0 ? b.le[i] : lo + (b.le[i] - lo) * ((rank - below) / inBucket);
    }
  }
  return NaN;
}
