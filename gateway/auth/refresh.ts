/**
 * Rotating refresh tokens (OAuth 2.0 Security BCP): every use spends the token and issues the
 * next one in the same family; presenting a spent token means two parties hold it, so the whole
 * family is revoked. The family id is the session id carried in access tokens as `sid`.
 *
 * Table functions take the executor so callers can run them inside their own transaction.
 */
import type { Kysely } from "kysely";
import type { Database } from "@im/shared/db";
import { ErrorCode } from "@im/protocol";
import { PermanentError } from "@im/shared/errors";
import { constantTimeEqual } from "./passwords.ts";

export type Executor = Kysely<Database>;

const TOKEN = /^([0-9a-f]{32})\.([A-Za-z0-9_-]{43})$/;

export interface IssuedRefresh {
  token: string;
  familyId: string;
  expiresAt: number;
}

export type RotateOutcome =
  | { kind: "rotated"; userId: string; deviceId: string; familyId: string; next: IssuedRefresh }
  | { kind: "reused"; userId: string; deviceId: string; familyId: string };

const randomHex = (bytes: number) => crypto.getRandomValues(new Uint8Array(bytes)).toHex();

async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return new Uint8Array(digest).toHex();
}

/** Splits `<id>.<secret>`; null when the shape is wrong so no query runs for garbage. */
export function parseRefreshToken(token: string): { id: string; secret: string } | null {
  const m = TOKEN.exec(token);
  return m ? { id: m[1], secret: m[2] } : null;
}

/** Stores a new token (a new family unless `familyId` is given); only the secret's hash is kept. */
export async function issueRefresh(
  db: Executor,
  opts: { userId: string; deviceId: string; familyId?: string; ttlSec: number; now: number },
): Promise<IssuedRefresh> {
  const id = randomHex(16);
  const secret = crypto.getRandomValues(new Uint8Array(32)).toBase64({
    alphabet: "base64url",
    omitPadding: true,
  });
  const familyId = opts.familyId ?? randomHex(16);
  const expiresAt = opts.now + opts.ttlSec * 1000;
  await db.insertInto("refresh_tokens").values({
    id,
    family_id: familyId,
    user_id: opts.userId,
    device_id: opts.deviceId,
    secret_hash: await sha256Hex(secret),
    expires_at: expiresAt,
    used_at: null,
    revoked_at: null,
    created_at: opts.now,
  }).execute();
  return { token: `${id}.${secret}`, familyId, expiresAt };
}

/** Revokes every token of a family; returns how many were still live. */
export async function revokeFamily(db: Executor, familyId: string, now: number): Promise<number> {
  const r = await db.updateTable("refresh_tokens")
    .set({ revoked_at: now })
    .where("family_id", "=", familyId)
    .where("revoked_at", "is", null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows);
}

const invalid = () => new PermanentError(ErrorCode.REFRESH_INVALID, "invalid refresh token");

/**
 * Spends `token` and issues its successor, in one transaction (joins the caller's if `db` is
 * one). Throws PermanentError(REFRESH_INVALID) for unknown, wrong, expired or revoked tokens;
 * a spent token revokes its family and answers "reused" (returned, not thrown, so the
 * revocation commits).
 */
export function rotateRefresh(
  db: Executor,
  token: string,
  now: number,
  ttlSec: number,
): Promise<RotateOutcome> {
  const parsed = parseRefreshToken(token);
  if (!parsed) return Promise.reject(invalid());
  const run = async (tx: Executor): Promise<RotateOutcome> => {
    // FOR UPDATE serialises two concurrent uses: the second sees used_at and counts as reuse.
    const row = await tx.selectFrom("refresh_tokens").selectAll()
      .where("id", "=", parsed.id).forUpdate().executeTakeFirst();
    if (!row) throw invalid();
    const hash = new TextEncoder().encode(await sha256Hex(parsed.secret));
    if (!constantTimeEqual(hash, new TextEncoder().encode(row.secret_hash))) throw invalid();
    if (row.revoked_at !== null) throw invalid();
    const who = { userId: row.user_id, deviceId: row.device_id, familyId: row.family_id };
    // Checked before expiry: a spent token turning up late still proves it leaked.
    if (row.used_at !== null) {
      await revokeFamily(tx, row.family_id, now);
      return { kind: "reused", ...who };
    }
    if (Number(row.expires_at) <= now) throw invalid();
    await tx.updateTable("refresh_tokens").set({ used_at: now }).where("id", "=", row.id)
      .execute();
    const next = await issueRefresh(tx, { ...who, ttlSec, now });
    return { kind: "rotated", ...who, next };
  };
  return db.isTransaction ? run(db) : db.transaction().execute(run);
}
