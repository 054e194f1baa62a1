/**
 * Reads this gateway's result stream (XREAD BLOCK on its own connection) and writes each line to
 * its sockets. Line formats (written by workers/publish.ts and Hub.closeRemote):
 *   "<connId>[,<connId>...] <frame JSON>"   deliver a pre-serialized frame
 *   "!close <connId> <code> <reason>"       close a connection with a close code
 */
import type { Redis } from "@im/shared/redis";
import type { Logger } from "@im/shared/log";
import type { Hub } from "./ws/hub.ts";

export function applyResult(hub: Hub, payload: string): number {
  let delivered = 0;
  for (const line of payload.split("\n")) {
    if (line.startsWith("!close ")) {
      const [, connId, code, ...reason] = line.split(" ");
      hub.conns.get(connId)?.close(Number(code), reason.join(" "));
      continue;
    }
    const space = line.indexOf(" ");
    if (space < 0) continue;
    const frame = line.slice(space + 1);
    for (const connId of line.slice(0, space).split(",")) {
      const conn = hub.conns.get(connId);
      if (conn) {
        conn.sendRaw(frame);
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
          const i = fields.indexOf("d");
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
