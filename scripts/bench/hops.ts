/**
 * Where a message's time goes: the gateways' and the worker's hop histograms
 * (`im_message_hop_seconds`, docs/ARCHITECTURE.md "Operating it") scraped at both ends of the
 * window, so the table holds exactly the window's frames. Hops in the order a message takes them:
 *
 *   ingest   gateway: frame received -> XADD to the partition stream done
 *   queue    XADD (the entry id, Redis's clock) -> the worker's XREADGROUP returned it
 *   commit   worker: read -> its batch's transaction committed
 *   publish  worker: committed -> result entries appended and the batch acked
 *   deliver  result entry appended (its id) -> the gateway's XREAD returned it
 *   write    gateway: read -> written to the socket
 *
 * Per stored frame for ingest/queue/commit/publish (a send, a delivery ack), per result entry for
 * deliver, per socket write for write; quantiles are interpolated inside the histogram's buckets
 * (shared/telemetry HOP_BUCKETS), so they are as exact as the bucket around them.
 */
import {
  type Buckets,
  delta,
  histogram,
  HOPS,
  parseSamples,
  quantile,
  type Sample,
  total,
} from "@im/shared/telemetry";

export interface HopRow {
  hop: string;
  /** Observations in the window. */
  n: number;
  meanMs: number;
  p50Ms: number;
  p99Ms: number;
}

export interface HopTable {
  hops: HopRow[];
  /** The worker's transactional batches in the window and their mean size in entries. */
  batches: number;
  entriesPerBatch: number;
}

/** One scrape of every endpoint, concatenated (a failed endpoint contributes nothing). */
export async function scrapeAll(urls: string[]): Promise<Sample[]> {
  const texts = await Promise.all(urls.map((u) => fetch(u).then((r) => r.text(), () => "")));
  return texts.flatMap(parseSamples);
}

const ms = (s: number) => Math.round(s * 1e5) / 100;

function row(hop: string, b: Buckets): HopRow {
  return {
    hop,
    n: b.count,
    meanMs: b.count ? ms(b.sum / b.count) : NaN,
    p50Ms: ms(quantile(b, 0.5)),
    p99Ms: ms(quantile(b, 0.99)),
  };
}

export function hopTable(before: Sample[], after: Sample[]): HopTable {
  const d = (name: string, match: Record<string, string> = {}) =>
    delta(histogram(after, name, match), histogram(before, name, match));
  const hops = HOPS.map((hop) => row(hop, d("im_message_hop_seconds", { hop })));
  const batches = d("im_worker_batch_seconds").count;
  const entries = total(after, "im_worker_entries_processed_total", { lane: "tx" }) -
    total(before, "im_worker_entries_processed_total", { lane: "tx" });
  return {
    hops,
    batches,
    entriesPerBatch: batches ? Math.round((entries / batches) * 10) / 10 : 0,
  };
}

export function formatHops(t: HopTable): string[] {
  const f = (v: number) => (Number.isFinite(v) ? v.toFixed(2) : "-").padStart(8);
  return [
    `  hop          n        mean ms  p50 ms   p99 ms`,
    ...t.hops.map((h) =>
      `  ${h.hop.padEnd(9)}${String(h.n).padStart(8)}  ${f(h.meanMs)}${f(h.p50Ms)}${f(h.p99Ms)}`
    ),
    `  worker batches ${t.batches}, ${t.entriesPerBatch} entries each`,
  ];
}
