/** HTTP plumbing shared by the auth endpoints and the WebSocket upgrade. */
import type { Context } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { errorBody, ErrorCode, type Schema } from "@im/protocol";
import type { AuthDeps } from "./deps.ts";
import {
  type AccessClaims,
  InvalidTokenError,
  isSessionRevoked,
  verifyAccessToken,
} from "./tokens.ts";

export const MAX_BODY_BYTES = 16 * 1024;

export function jsonError(
  c: Context,
  status: ContentfulStatusCode,
  code: ErrorCode,
  message: string,
): Response {
  return c.json({ error: errorBody(code, message) }, status);
}

/** Rejects oversized bodies before they are read, with the same error shape as every other. */
export const bodyCap = bodyLimit({
  maxSize: MAX_BODY_BYTES,
  onError: (c) => jsonError(c, 413, ErrorCode.INVALID_REQUEST, "request body too large"),
});

/**
 * Parses the JSON body against `schema`. Either the typed value, or the 400 response to send:
 * malformed JSON and a wrong field type (an object where a string belongs) look alike.
 */
export async function readBody<T>(
  c: Context,
  schema: Schema<T>,
): Promise<{ ok: true; value: T } | { ok: false; response: Response }> {
  let input: unknown;
  try {
    input = JSON.parse(await c.req.text());
  } catch {
    return { ok: false, response: jsonError(c, 400, ErrorCode.INVALID_REQUEST, "invalid JSON") };
  }
  const r = schema.parse(input);
  if (r.ok) return r;
  const message = `${r.issue.path || "body"} ${r.issue.problem}`;
  return { ok: false, response: jsonError(c, 400, ErrorCode.INVALID_REQUEST, message) };
}

const BEARER = /^Bearer +([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+) *$/i;

/** The token of an `Authorization: Bearer` header, or null when absent or malformed. */
export function bearerToken(c: Context): string | null {
  const m = BEARER.exec(c.req.header("Authorization") ?? "");
  return m ? m[1] : null;
}

/**
 * The claims of a valid, unrevoked access token, or null. Redis errors propagate: when the
 * revocation list cannot be read the answer is "fail", never "allow".
 */
export async function authenticate(
  deps: Pick<AuthDeps, "kv" | "config" | "jwtSecret">,
  token: string,
): Promise<AccessClaims | null> {
  let claims: AccessClaims;
  try {
    claims = await verifyAccessToken(token, deps.jwtSecret, deps.config);
  } catch (e) {
    if (e instanceof InvalidTokenError) return null;
    throw e;
  }
  // One round trip with auto-pipelining: a banned user's tokens die with the ban.
  const [revoked, banned] = await Promise.all([
    isSessionRevoked(deps.kv, claims.sessionId),
    deps.kv.isUserBanned(claims.userId),
  ]);
  return revoked || banned ? null : claims;
}

const CLAIMS = "im.claims";

/** Keeps the verified claims on the request for the handlers behind `requireAuth`. */
export function setClaims(c: Context, claims: AccessClaims): void {
  c.set(CLAIMS, claims);
}

/** The caller's identity: only ever the verified token's, never a field of the request. */
export function claimsOf(c: Context): AccessClaims {
  const claims = c.get(CLAIMS) as AccessClaims | undefined;
  // A route mounted without requireAuth is a bug, not an anonymous caller.
  if (!claims) throw new Error(`${c.req.path} is not behind requireAuth`);
  return claims;
}
