/**
 * Timing points of the transactional lane: the worker's hops of a message (queue, commit,
 * publish, and send→commit across the gateway) and its spans. A batch is marked when read;
 * the consumer reports its commit and its publish, and each entry is observed once per hop.
 *
 * Clocks: `queue` compares the entry id (Redis's clock when it appended the entry) with this
 * worker's clock, and `send_commit` the envelope's `receivedAt` (the gateway's clock): exact
 * where the processes share a host clock (tests, the bench), off by the clocks' offset
 * elsewhere; negative values count as 0. `commit` and `publish` are this process's monotonic
 * clock.
 */
import type { HistogramSeries } from "@im/shared/metrics";
import {
  failSpan,
  type Span,
  SpanKind,
  traceparentOf,
  type Tracing,
  wallOf,
} from "@im/shared/telemetry";
import { entryTimeMs } from "@im/shared/wire";
import type { PartitionBatch } from "../batch.ts";

export interface TxHops {
  queue: HistogramSeries;
  commit: HistogramSeries;
  publish: HistogramSeries;
  sendCommit: HistogramSeries;
}

interface Mark {
  readAt: number;
  committedAt: number;
  /** Per traced entry: its `im.process` span (the rest have none). */
  spans: Span[] | null;
}

export class TxTiming {
  #marks = new WeakMap<PartitionBatch, Mark>();

  constructor(private readonly hops: TxHops, private readonly tracing: Tracing | null) {}

  /**
   * At read (or reclaim): the queue hop, and a span per traced entry whose context replaces the
   * envelope's, so what the handlers emit for the entry is parented on the worker's span.
   */
  read(b: PartitionBatch, readAt = performance.now(), now = Date.now()): void {
    let spans: Span[] | null = null;
    for (const e of b.entries) {
      this.hops.queue.observe(Math.max(0, now - entryTimeMs(e.id)) / 1000);
      const span = this.tracing?.child(`im.process ${e.env.frame.type}`, e.env.traceparent, {
        kind: SpanKind.CONSUMER,
        startTime: wallOf(readAt),
        attributes: { "im.partition": b.partition, "im.entry": e.id, "im.batch": b.entries.length },
      });
      if (span) {
        e.env.traceparent = traceparentOf(span);
        (spans ??= []).push(span);
      }
    }
    this.#marks.set(b, { readAt, committedAt: 0, spans });
  }

  committed(lane: PartitionBatch[], at = performance.now(), wall = Date.now()): void {
    for (const b of lane) {
      const m = this.#marks.get(b);
      if (!m) continue;
      m.committedAt = at;
      const commit = (at - m.readAt) / 1000;
      for (const e of b.entries) {
        this.hops.commit.observe(commit);
        this.hops.sendCommit.observe(Math.max(0, wall - e.env.receivedAt) / 1000);
      }
    }
  }

  published(lane: PartitionBatch[], at = performance.now()): void {
    for (const b of lane) {
      const m = this.#marks.get(b);
      if (!m?.committedAt) continue;
      this.#marks.delete(b);
      const publish = (at - m.committedAt) / 1000;
      for (let i = 0; i < b.entries.length; i++) this.hops.publish.observe(publish);
      for (const span of m.spans ?? []) {
        this.#phase(span, "im.transaction", m.readAt, m.committedAt, b.entries.length);
        this.#phase(span, "im.publish", m.committedAt, at, b.entries.length);
        span.end(wallOf(at));
      }
    }
  }

  /** The batch did not commit or publish: its spans end as errors (the entries come back). */
  failed(lane: PartitionBatch[], err: unknown): void {
    for (const b of lane) {
      const m = this.#marks.get(b);
      this.#marks.delete(b);
      for (const span of m?.spans ?? []) {
        failSpan(span, err);
        span.end();
      }
    }
  }

  /** A phase of the batch (shared by its entries) as a child of one entry's span. */
  #phase(parent: Span, name: string, from: number, to: number, entries: number) {
    this.tracing?.child(name, traceparentOf(parent), {
      startTime: wallOf(from),
      attributes: { "im.batch": entries },
    })?.end(wallOf(to));
  }
}
