/**
 * Signed paging cursors. A cursor is `<payload>.<mac>` (base64url): the payload is the list's
 * position (JSON), the MAC an HMAC-SHA-256 (first 16 bytes) over the list's name, the user and
 * the payload, with the deployment's `paging` key (made by migration 024, read once per
 * executor). Altered, truncated, foreign (another user's or another list's) cursors all fail the
 * same way: `PAGE_CURSOR_INVALID`, before any query runs with their values.
 */
import { ErrorCode } from "@im/protocol";
import type { Exec } from "@im/shared/db";
import { PermanentError } from "@im/shared/errors";

const MAC_BYTES = 16;
const enc = new TextEncoder();

// Per executor (a worker's pool): the key never changes, so one read serves every page. A cache
// keyed by the executor, not a global: another pool (a test's database) reads its own key.
const keys = new WeakMap<object, Promise<CryptoKey>>();

function keyOf(db: Exec): Promise<CryptoKey> {
  let key = keys.get(db);
  if (!key) {
    key = (async () => {
      const row = await db.selectFrom("server_keys").select("secret").where("name", "=", "paging")
        .executeTakeFirstOrThrow();
      return await crypto.subtle.importKey(
        "raw",
        new Uint8Array(row.secret),
        { name: "HMAC", hash: "SHA-256" },
        false,
        ["sign"],
      );
    })();
    key.catch(() => keys.delete(db)); // a failed read is retried by the next page
    keys.set(db, key);
  }
  return key;
}

async function mac(db: Exec, list: string, userId: string, payload: string) {
  const sig = await crypto.subtle.sign(
    "HMAC",
    await keyOf(db),
    enc.encode(`${list}\n${userId}\n${payload}`),
  );
  return new Uint8Array(sig).slice(0, MAC_BYTES);
}

const b64 = (bytes: Uint8Array) => bytes.toBase64({ alphabet: "base64url", omitPadding: true });

export const invalidCursor = () =>
  new PermanentError(ErrorCode.PAGE_CURSOR_INVALID, "cursor is not valid for this list");

/** A cursor for `position` in `list` of `userId`. */
export async function signCursor(
  db: Exec,
  list: string,
  userId: string,
  position: unknown,
): Promise<string> {
  const payload = b64(enc.encode(JSON.stringify(position)));
  return `${payload}.${b64(await mac(db, list, userId, payload))}`;
}

/**
 * The position a cursor names, checked by `shape` (which returns null for a wrong shape), or
 * throws PAGE_CURSOR_INVALID.
 */
export async function openCursor<T>(
  db: Exec,
  list: string,
  userId: string,
  cursor: string,
  shape: (value: unknown) => T | null,
): Promise<T> {
  const [payload, sig, extra] = cursor.split(".");
  if (!payload || !sig || extra !== undefined) throw invalidCursor();
  let given: Uint8Array;
  let json: unknown;
  try {
    given = Uint8Array.fromBase64(sig, { alphabet: "base64url" });
  } catch {
    throw invalidCursor();
  }
  const want = await mac(db, list, userId, payload);
  if (!timingSafeEqual(given, want)) throw invalidCursor();
  try {
    json = JSON.parse(new TextDecoder().decode(Uint8Array.fromBase64(payload, {
      alphabet: "base64url",
    })));
  } catch {
    throw invalidCursor();
  }
  const value = shape(json);
  if (value === null) throw invalidCursor();
  return value;
}

function timingSafeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i] ^ b[i];
  return d === 0;
}

/** The usual position: a time and an id, newest first (`[t, id]`). */
export interface TimeId {
  t: number;
  id: string;
}

export function timeIdShape(v: unknown): TimeId | null {
  if (!Array.isArray(v) || v.length !== 2) return null;
  const [t, id] = v;
  if (!Number.isSafeInteger(t) || t < 0) return null;
  if (typeof id !== "string" || !/^[1-9][0-9]{0,19}$/.test(id)) return null;
  return { t, id };
}
