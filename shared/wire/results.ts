/**
 * The lines of a gateway's result stream: the one codec its writers (workers' publisher, a
 * gateway closing a socket elsewhere) and its reader (the gateway) share. One entry carries many
 * lines, so a batch costs one XADD per gateway:
 *   "<connId>[,<connId>...] <frame JSON>"   deliver a serialized frame to these connections
 *   "!close <connId> <code> <reason>"       close a connection with a close code
 * Frames stay serialized end to end: a gateway forwards them without parsing.
 */

/** The stream entry's field holding the lines. */
export const RESULT_FIELD = "d";

export type ResultLine =
  | { kind: "deliver"; connIds: string[]; frame: string }
  | { kind: "close"; connId: string; code: number; reason: string };

export function deliverLine(connIds: string[], frameJson: string): string {
  return `${connIds.join(",")} ${frameJson}`;
}

export function closeLine(connId: string, code: number, reason: string): string {
  return `!close ${connId} ${code} ${reason.replaceAll("\n", " ")}`;
}

export function encodeResults(lines: string[]): string {
  return lines.join("\n");
}

/** Parses a result entry's payload; malformed lines are skipped. */
export function* decodeResults(payload: string): Generator<ResultLine> {
  for (const line of payload.split("\n")) {
    if (line.startsWith("!close ")) {
      const [, connId, code, ...reason] = line.split(" ");
      if (connId && Number.isInteger(Number(code))) {
        yield { kind: "close", connId, code: Number(code), reason: reason.join(" ") };
      }
      continue;
    }
    const space = line.indexOf(" ");
    if (space <= 0) continue;
    yield {
      kind: "deliver",
      connIds: line.slice(0, space).split(","),
      frame: line.slice(space + 1),
    };
  }
}
