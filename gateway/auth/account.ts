/** Registration and user lookup. */
import type { Handler, MiddlewareHandler } from "hono";
import { ErrorCode, object, optional, str } from "@im/protocol";
import type { AuthDeps } from "./deps.ts";
import { authenticate, bearerToken, jsonError, readBody, setClaims } from "./http.ts";
import {
  hashPassword,
  isValidPassword,
  isValidUsername,
  PASSWORD_MAX_CHARS,
  PASSWORD_MIN_CHARS,
} from "./passwords.ts";
import { findUserById, findUserByName, insertUser, UsernameTakenError } from "./users.ts";
import type { LoginThrottle } from "./throttle.ts";

// Loose string bounds here; the account rules below answer with their own error codes.
const RegisterBody = object({
  username: str({ max: 256 }),
  password: str({ max: 1024 }),
  // No control characters and not blank: nicknames are shown to other users.
  nickname: optional(str({ min: 1, max: 64, pattern: /^(?!\s*$)[^\p{Cc}]+$/u })),
});

export function register(deps: AuthDeps, throttle: LoginThrottle): Handler {
  return async (c) => {
    const body = await readBody(c, RegisterBody);
    if (!body.ok) return body.response;
    const { username, password } = body.value;
    if (!isValidUsername(username)) {
      return jsonError(c, 400, ErrorCode.INVALID_USERNAME, "username must be 3-32 of [a-z0-9_]");
    }
    if (!isValidPassword(password)) {
      const rule = `password must have ${PASSWORD_MIN_CHARS} to ${PASSWORD_MAX_CHARS} characters`;
      return jsonError(c, 400, ErrorCode.WEAK_PASSWORD, rule);
    }
    const verdict = await throttle.registration(deps.clientIp(c));
    if (verdict.blocked) {
      deps.log.warn("registration throttled", { ip: deps.clientIp(c) });
      c.header("Retry-After", String(verdict.retryAfterSec));
      return jsonError(c, 429, ErrorCode.TOO_MANY_ATTEMPTS, "too many registrations; retry later");
    }
    try {
      const user = await insertUser(deps.db, {
        username,
        passwordHash: await hashPassword(password, deps.argon2),
        nickname: body.value.nickname ?? username,
        now: Date.now(),
      });
      deps.log.info("user registered", { userId: user.userId, ip: deps.clientIp(c) });
      return c.json(user, 201);
    } catch (e) {
      if (!(e instanceof UsernameTakenError)) throw e;
      return jsonError(c, 409, ErrorCode.USERNAME_TAKEN, "username is taken");
    }
  };
}

/** Lets the request through only with a valid, unrevoked access token. */
export function requireAuth(deps: AuthDeps): MiddlewareHandler {
  return async (c, next) => {
    const token = bearerToken(c);
    const claims = token ? await authenticate(deps, token) : null;
    if (!claims) {
      deps.log.warn("unauthorized", { path: c.req.path, ip: deps.clientIp(c) });
      return jsonError(c, 401, ErrorCode.UNAUTHORIZED, "missing, invalid or expired token");
    }
    setClaims(c, claims);
    await next();
  };
}

export function userByName(deps: AuthDeps): Handler {
  return async (c) => {
    const username = c.req.param("username") ?? "";
    const user = isValidUsername(username) ? await findUserByName(deps.db, username) : null;
    if (!user) return jsonError(c, 404, ErrorCode.NO_SUCH_USER, "no such user");
    return c.json({ userId: user.userId, username: user.username, nickname: user.nickname });
  };
}

export function userById(deps: AuthDeps): Handler {
  return async (c) => {
    const user = await findUserById(deps.db, c.req.param("id") ?? "");
    if (!user) return jsonError(c, 404, ErrorCode.NO_SUCH_USER, "no such user");
    return c.json(user);
  };
}
