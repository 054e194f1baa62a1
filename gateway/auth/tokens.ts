/**
 * Access tokens: short-lived HS256 JWTs. The algorithm is pinned on verify (RFC 8725) and every
 * time claim is required, because hono only checks `exp`/`nbf` when the token happens to carry them.
 */
import { sign, verify } from "hono/jwt";
import type { Config } from "@im/shared/config";
import type { KvStore } from "@im/shared/kv";

const ALG = "HS256";
/** Gateways' clocks differ slightly; a token minted by one must work at once on another. */
export const CLOCK_SKEW_SEC = 5;
const MAX_TOKEN_CHARS = 4096;

const USER_ID = /^[1-9][0-9]{0,19}$/;
const SESSION_ID = /^[0-9a-f]{32}$/;
export const DEVICE_ID = /^[A-Za-z0-9_-]{1,64}$/;

export type TokenConfig = Pick<Config, "jwtIssuer" | "jwtAudience" | "accessTtlSec">;

export interface AccessClaims {
  userId: string;
  deviceId: string;
  sessionId: string;
  /** Expiry, seconds since the epoch. */
  exp: number;
}

/** Never carries the token: hono's own errors put it in their message, which could reach a log. */
export class InvalidTokenError extends Error {
  constructor(readonly reason: string) {
    super(`invalid access token: ${reason}`);
    this.name = "InvalidTokenError";
  }
}

export async function signAccessToken(
  secret: string,
  config: TokenConfig,
  who: Omit<AccessClaims, "exp">,
  nowSec = Math.floor(Date.now() / 1000),
): Promise<{ token: string; exp: number }> {
  const exp = nowSec + config.accessTtlSec;
  const token = await sign(
    {
      sub: who.userId,
      sid: who.sessionId,
      did: who.deviceId,
      iss: config.jwtIssuer,
      aud: config.jwtAudience,
      iat: nowSec,
      nbf: nowSec,
      exp,
      jti: crypto.getRandomValues(new Uint8Array(16)).toHex(),
    },
    secret,
    ALG,
  );
  return { token, exp };
}

/** Verifies signature, algorithm, iss, aud, exp and nbf; throws InvalidTokenError otherwise. */
export async function verifyAccessToken(
  token: string,
  secret: string,
  config: TokenConfig,
): Promise<AccessClaims> {
  if (token.length > MAX_TOKEN_CHARS) throw new InvalidTokenError("too long");
  let payload: Record<string, unknown>;
  try {
    payload = await verify(token, secret, {
      alg: ALG,
      iss: config.jwtIssuer,
      aud: config.jwtAudience,
      // Checked below with the skew allowance; exp stays strict in hono.
      nbf: false,
      iat: false,
    });
  } catch (e) {
    throw new InvalidTokenError(e instanceof Error ? e.name : "unverifiable");
  }
  const { sub, sid, did, exp, nbf } = payload;
  const now = Math.floor(Date.now() / 1000);
  if (typeof exp !== "number" || !(exp > now)) throw new InvalidTokenError("expired");
  if (typeof nbf !== "number" || nbf > now + CLOCK_SKEW_SEC) {
    throw new InvalidTokenError("not yet valid");
  }
  if (typeof sub !== "string" || !USER_ID.test(sub)) throw new InvalidTokenError("bad sub");
  if (typeof sid !== "string" || !SESSION_ID.test(sid)) throw new InvalidTokenError("bad sid");
  if (typeof did !== "string" || !DEVICE_ID.test(did)) throw new InvalidTokenError("bad did");
  return { userId: sub, deviceId: did, sessionId: sid, exp };
}

export function isSessionRevoked(kv: KvStore, sid: string): Promise<boolean> {
  return kv.isSessionRevoked(sid);
}

/**
 * Marks a session revoked for as long as any of its access tokens can still be valid; after
 * that the tokens have expired on their own and the marker is not needed.
 */
export async function markSessionRevoked(
  kv: KvStore,
  sid: string,
  accessTtlSec: number,
): Promise<void> {
  await kv.revokeSession(sid, (accessTtlSec + CLOCK_SKEW_SEC) * 1000);
}
