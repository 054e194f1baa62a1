/**
 * The lines of a gateway's result stream: the one codec its writers (workers' publisher, a
 * gateway closing a socket elsewhere) and its reader (the gateway) share. One entry carries many
 * lines, so a batch costs one XADD per gateway:
 *   "<connId>[,<connId>...] <frame JSON>"   deliver a serialized frame to these connections
 *   "!close <connId> <code> <reason>"       close a connection with a close code
 * Frames stay serialized end to end: a gateway forwards them without parsing.
 *
 * An entry may carry a second field, RESULT_TRACE_FIELD: one W3C traceparent per line, in line
 * order, newline-separated ("" for a line without one), present only when some line is traced.
 * A reader that does not know it ignores it. The entry's id is its publish time: Redis's clock
 * when it appended the entry, which the gateway's hop metrics read (docs/ARCHITECTURE.md).
 */

/** The stream entry's field holding the lines. */
export const RESULT_FIELD = "d";
/** The entry's field holding the lines' trace contexts. */
export const RESULT_TRACE_FIELD = "c";

export type ResultLine =
  | { kind: "deliver"; connIds: string[]; frame: string; traceparent?: string }
  | { kind: "close"; connId: string; code: number; reason: string; traceparent?: string };

export function deliverLine(connIds: string[], frameJson: string): string {
  return `${connIds.join(",")} ${frameJson}`;
}

export function closeLine(connId: string, code: number, reason: string): string {
  return `!close ${connId} ${code} ${reason.replaceAll("\n", " ")}`;
}

export function encodeResults(lines: string[]): string {
  return lines.join("\n");
}

/**
 * The fields of one result entry: the lines, and their trace contexts when any line has one
 * (`traces[i]` belongs to `lines[i]`).
 */
export function encodeResultFields(
  lines: string[],
  traces?: ReadonlyArray<string | undefined>,
): string[] {
  const fields = [RESULT_FIELD, encodeResults(lines)];
  if (traces?.some(Boolean)) {
    fields.push(RESULT_TRACE_FIELD, lines.map((_, i) => traces[i] ?? "").join("\n"));
  }
  return fields;
}

/** The payload and trace contexts of a result entry's fields; null when it has no lines. */
export function decodeResultFields(
  fields: string[],
): { payload: string; traces: string[] | null } | null {
  let payload: string | null = null;
  let traces: string[] | null = null;
  for (let i = 0; i + 1 < fields.length; i += 2) {
    if (fields[i] === RESULT_FIELD) payload = fields[i + 1];
    else if (fields[i] === RESULT_TRACE_FIELD) traces = fields[i + 1].split("\n");
  }
  return payload === null ? null : { payload, traces };
}

/** Parses a result entry's payload; malformed lines are skipped. */
export function* decodeResults(
  payload: string,
  traces: string[] | null = null,
): Generator<ResultLine> {
  let index = -1;
  for (const line of payload.split("\n")) {
    const tp = traces?.[++index] || undefined;
    const trace = tp ? { traceparent: tp } : {};
    if (line.startsWith("!close ")) {
      const [, connId, code, ...reason] = line.split(" ");
      if (connId && Number.isInteger(Number(code))) {
        yield { kind: "close", connId, code: Number(code), reason: reason.join(" "), ...trace };
      }
      continue;
    }
    const space = line.indexOf(" ");
    if (space <= 0) continue;
    yield {
      kind: "deliver",
      connIds: line.slice(0, space).split(","),
      frame: line.slice(space + 1),
      ...trace,
    };
  }
}

/** The epoch ms in a stream entry id ("<ms>-<seq>"): when Redis appended it. */
export function entryTimeMs(id: string): number {
  return Number(id.slice(0, id.indexOf("-")));
}
