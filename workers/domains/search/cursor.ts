/**
 * The search cursor: where the previous page ended (its last hit's time and msgId) and a
 * fingerprint of the search it belongs to. It is opaque to clients and checked strictly: a
 * cursor that does not parse, or that comes with another query or filters, is
 * SEARCH_CURSOR_INVALID. It grants nothing: every page is filtered by what the reader may see
 * now, whatever the cursor says.
 */

export interface Position {
  createdAt: number;
  msgId: string;
}

const FORMAT = /^1\.(0|[1-9][0-9]{0,15})\.([1-9][0-9]{0,19})\.([0-9a-f]{8})$/;

export function encodeCursor(p: Position, fingerprint: string): string {
  return btoa(`1.${p.createdAt}.${p.msgId}.${fingerprint}`).replace(/=+$/, "")
    .replaceAll("+", "-").replaceAll("/", "_");
}

/** The position, or null when the cursor is malformed or belongs to another search. */
export function decodeCursor(cursor: string, fingerprint: string): Position | null {
  if (!/^[A-Za-z0-9_-]+$/.test(cursor)) return null;
  let text: string;
  try {
    text = atob(cursor.replaceAll("-", "+").replaceAll("_", "/"));
  } catch {
    return null;
  }
  const m = FORMAT.exec(text);
  if (!m || m[3] !== fingerprint) return null;
  const createdAt = Number(m[1]);
  if (!Number.isSafeInteger(createdAt) || BigInt(m[2]) >= 2n ** 64n) return null;
  return { createdAt, msgId: m[2] };
}

/** FNV-1a (32 bit) of the search's canonical form: which search a cursor belongs to. */
export function fingerprintOf(search: Record<string, unknown>): string {
  const canonical = JSON.stringify(Object.keys(search).sort().map((k) => [k, search[k]]));
  let h = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(canonical)) {
    h ^= byte;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, "0");
}
