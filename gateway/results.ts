/**
 * Reads this gateway's result stream (XREAD BLOCK on its own connection) and writes each line to
 * its sockets (line formats: shared/wire/results.ts).
 */
import type { Redis } from "@im/shared/redis";
import type { Logger } from "@im/shared/log";
import { decodeResults, RESULT_FIELD } from "@im/shared/wire";
import type { Hub } from "./ws/hub.ts";

export function applyResult(hub: Hub, payload: string): number {
  let delivered = 0;
  for (const line of decodeResults(payload)) {
    if (line.kind === "close") {
      hub.conns.get(line.connId)?.close(line.code, line.reason);
      continue;
    }
    for (const connId of line.connIds) {
      const conn = hub.conns.get(connId);
      if (conn) {
        conn.sendRaw(line.frame);
        delivered++;
      }
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
      for (const [, entries] of res) {
        for (const [id, fields] of entries) {
          last = id;
          const i = fields.indexOf(RESULT_FIELD);
          if (i >= 0) onDelivered(applyResult(hub, fields[i + 1]));
        }
      }
    } catch (err) {
      if (signal.aborted) return;
      log.warn("result stream read failed", { err });
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}
