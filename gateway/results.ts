/**
 * Reads this gateway's result stream (XREAD BLOCK on its own connection) and writes each line to
 * its sockets (line formats: shared/wire/results.ts).
 *
 * Timing points: the `deliver` hop runs from the entry's id (Redis's clock when the worker's
 * publish appended it) to this read (this gateway's clock; exact on one host, off by the clocks'
 * offset elsewhere, negative counts as 0); the `write` hop from the read to each socket write.
 * A traced line gets one span per socket it is written to, under the line's trace context.
 */
import type { Redis } from "@im/shared/redis";
import type { Logger } from "@im/shared/log";
import type { HistogramSeries } from "@im/shared/metrics";
import { SpanKind, type Tracing, wallOf } from "@im/shared/telemetry";
import { decodeResultFields, decodeResults, entryTimeMs } from "@im/shared/wire";
import type { Hub } from "./ws/hub.ts";

export interface ResultTiming {
  deliver?: HistogramSeries;
  write?: HistogramSeries;
  tracing?: Tracing;
}

/** Applies one result entry; returns the number of socket writes. */
export function applyResult(
  hub: Hub,
  payload: string,
  traces: string[] | null = null,
  t: ResultTiming = {},
  readAt = performance.now(),
): number {
  let delivered = 0;
  for (const line of decodeResults(payload, traces)) {
    if (line.kind === "close") {
      hub.conns.get(line.connId)?.close(line.code, line.reason);
      continue;
    }
    for (const connId of line.connIds) {
      const conn = hub.conns.get(connId);
      if (!conn) continue;
      const span = t.tracing?.child("im.ws.send", line.traceparent, {
        kind: SpanKind.PRODUCER,
        startTime: wallOf(readAt),
        attributes: { "im.conn": connId, "im.gateway": hub.gatewayId },
      });
      conn.sendRaw(line.frame);
      span?.end();
      t.write?.observe((performance.now() - readAt) / 1000);
      delivered++;
    }
  }
  return delivered;
}

export async function runResultReader(
  reader: Redis,
  stream: string,
  hub: Hub,
  log: Logger,
  signal: AbortSignal,
  onDelivered: (n: number) => void = () => {},
  timing: ResultTiming = {},
): Promise<void> {
  // A concrete id, not "$": entries written between two reads must not be skipped.
  const top = await reader.xrevrange(stream, "+", "-", "COUNT", 1);
  let last = top[0]?.[0] ?? "0-0";
  while (!signal.aborted) {
    try {
      const res = await reader.xread("COUNT", 500, "BLOCK", 2000, "STREAMS", stream, last) as
        | Array<[string, Array<[string, string[]]>]>
        | null;
      if (!res) continue;
      const readAt = performance.now();
      const now = Date.now();
      for (const [, entries] of res) {
        for (const [id, fields] of entries) {
          last = id;
          const entry = decodeResultFields(fields);
          if (!entry) continue;
          timing.deliver?.observe(Math.max(0, now - entryTimeMs(id)) / 1000);
          onDelivered(applyResult(hub, entry.payload, entry.traces, timing, readAt));
        }
      }
    } catch (err) {
      if (signal.aborted) return;
      log.warn("result stream read failed", { err });
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}
