/** Login, refresh and logout: the endpoints that open and close sessions. */
import type { Context, Handler } from "hono";
import { ErrorCode, literal, object, optional, PLATFORMS, str } from "@im/protocol";
import { PermanentError } from "@im/shared/errors";
import type { AuthDeps } from "./deps.ts";
import { isBanned } from "./bans.ts";
import { authenticate, bearerToken, jsonError, readBody } from "./http.ts";
import { burnVerify, isValidUsername, verifyPassword } from "./passwords.ts";
import { type IssuedRefresh, revokeFamily, rotateRefresh } from "./refresh.ts";
import type { LoginThrottle } from "./throttle.ts";
import { DEVICE_ID, markSessionRevoked, signAccessToken } from "./tokens.ts";
import { findUserById, findUserByName } from "./users.ts";
import { openDevice, touchDevice } from "../devices/mod.ts";

// Loose bounds: a string that breaks the account rules is simply a failed login.
/** A gateway the client could not connect to: hand out another one if any is live. */
const avoidGateway = optional(str({ min: 1, max: 40, pattern: /^[A-Za-z0-9_-]+$/ }));
const LoginBody = object({
  username: str({ min: 1, max: 64 }),
  password: str({ min: 1, max: 512 }),
  deviceId: optional(str({ min: 1, max: 64, pattern: DEVICE_ID })),
  avoidGateway,
  /** The device's class for DEVICE_LIMITS ("other" when absent) and its name in device lists. */
  platform: optional(literal(...PLATFORMS)),
  deviceName: optional(str({ min: 1, max: 64, pattern: /^[^\p{Cc}]+$/u })),
});
const RefreshBody = object({ refreshToken: str({ min: 1, max: 256 }), avoidGateway });

type Gateway = { gatewayId: string; url: string };

function banned(c: Context, deps: AuthDeps, userId: string, ip: string): Response {
  deps.log.warn("banned user refused", { userId, ip, path: c.req.path });
  return jsonError(c, 403, ErrorCode.USER_BANNED, "this account is banned");
}

const unavailable = (c: Context) =>
  jsonError(c, 503, ErrorCode.UNAVAILABLE, "no gateway is available; retry later");

async function sessionResponse(
  c: Context,
  deps: AuthDeps,
  s: { userId: string; username: string; deviceId: string; refresh: IssuedRefresh; gw: Gateway },
): Promise<Response> {
  const { userId, deviceId } = s;
  const access = await signAccessToken(deps.jwtSecret, deps.config, {
    userId,
    deviceId,
    sessionId: s.refresh.familyId,
  });
  // Tokens must not sit in shared caches (RFC 6749 §5.1).
  c.header("Cache-Control", "no-store");
  return c.json({
    userId,
    username: s.username,
    deviceId,
    accessToken: access.token,
    accessExpiresIn: deps.config.accessTtlSec,
    refreshToken: s.refresh.token,
    refreshExpiresIn: deps.config.refreshTtlSec,
    gatewayId: s.gw.gatewayId,
    wsUrl: s.gw.url,
  }, 200);
}

export function login(deps: AuthDeps, throttle: LoginThrottle): Handler {
  return async (c) => {
    const body = await readBody(c, LoginBody);
    if (!body.ok) return body.response;
    const { username, password } = body.value;
    const ip = deps.clientIp(c);
    const verdict = await throttle.attempt(username, ip);
    if (verdict.blocked) {
      deps.log.warn("login throttled", { username, ip });
      c.header("Retry-After", String(verdict.retryAfterSec));
      return jsonError(c, 429, ErrorCode.TOO_MANY_ATTEMPTS, "too many attempts; retry later");
    }
    const user = isValidUsername(username) ? await findUserByName(deps.db, username) : null;
    // An unknown name costs one verify too, so timing does not tell which names exist.
    const ok = user
      ? await verifyPassword(user.passwordHash, password, deps.argon2)
      : await burnVerify(password, deps.argon2);
    if (!user || !ok) {
      deps.log.warn("login failed", { username, ip });
      return jsonError(c, 401, ErrorCode.INVALID_CREDENTIALS, "invalid username or password");
    }
    await throttle.succeed(username, ip);
    // Told only to whoever knows the password: a ban is not an oracle for the account's existence.
    if (await isBanned(deps.db, user.userId)) return banned(c, deps, user.userId, ip);
    const gw = await deps.pickGateway(body.value.avoidGateway);
    if (!gw) return unavailable(c);
    const deviceId = body.value.deviceId ?? crypto.randomUUID();
    const { refresh, signedOut } = await openDevice(deps, user.userId, deviceId, body.value);
    deps.log.info("login", {
      userId: user.userId,
      deviceId,
      sessionId: refresh.familyId,
      ip,
      ...(signedOut.length ? { signedOut: signedOut.map((d) => d.deviceId) } : {}),
    });
    return sessionResponse(c, deps, { ...user, deviceId, refresh, gw });
  };
}

export function refresh(deps: AuthDeps): Handler {
  return async (c) => {
    const body = await readBody(c, RefreshBody);
    if (!body.ok) return body.response;
    const ip = deps.clientIp(c);
    const rejected = () => {
      deps.log.warn("refresh rejected", { ip });
      return jsonError(c, 401, ErrorCode.REFRESH_INVALID, "invalid refresh token");
    };
    // Picked before the token is spent: a 503 after rotating would strand the client with a
    // spent token whose next use looks like theft.
    const gw = await deps.pickGateway(body.value.avoidGateway);
    if (!gw) return unavailable(c);
    const now = Date.now();
    const outcome = await rotateRefresh(
      deps.db,
      body.value.refreshToken,
      now,
      deps.config.refreshTtlSec,
    ).catch((e) => {
      if (e instanceof PermanentError && e.code === ErrorCode.REFRESH_INVALID) return null;
      throw e;
    });
    if (!outcome) return rejected();
    const { userId, deviceId, familyId } = outcome;
    if (outcome.kind === "reused") {
      deps.log.warn("refresh token reused; session revoked", {
        userId,
        deviceId,
        sessionId: familyId,
        ip,
      });
      await markSessionRevoked(deps.kv, familyId, deps.config.accessTtlSec);
      await deps.onSessionRevoked(userId, deviceId, familyId);
      return rejected();
    }
    const user = await findUserById(deps.db, userId);
    if (!user) {
      await revokeFamily(deps.db, familyId, now);
      return rejected();
    }
    if (await isBanned(deps.db, userId)) {
      await revokeFamily(deps.db, familyId, now);
      return banned(c, deps, userId, ip);
    }
    await touchDevice(deps.db, userId, deviceId, now);
    return sessionResponse(c, deps, { ...user, deviceId, refresh: outcome.next, gw });
  };
}

export function logout(deps: AuthDeps): Handler {
  return async (c) => {
    const token = bearerToken(c);
    const claims = token ? await authenticate(deps, token) : null;
    if (!claims) {
      deps.log.warn("unauthorized", { path: c.req.path, ip: deps.clientIp(c) });
      return jsonError(c, 401, ErrorCode.UNAUTHORIZED, "missing, invalid or expired token");
    }
    const { userId, deviceId, sessionId } = claims;
    await revokeFamily(deps.db, sessionId, Date.now());
    await markSessionRevoked(deps.kv, sessionId, deps.config.accessTtlSec);
    await deps.onSessionRevoked(userId, deviceId, sessionId);
    deps.log.info("logout", { userId, deviceId, sessionId });
    return c.body(null, 204);
  };
}
