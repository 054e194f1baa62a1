/**
 * The admin API's door: an operator credential (ADMIN_TOKEN, never a user's token) as
 * `Authorization: Bearer <credential>`, compared in constant time over SHA-256 digests so its
 * length does not leak either; and the audit line every admin request leaves, refused ones
 * included. The credential itself is never logged.
 */
import type { Context, MiddlewareHandler } from "hono";
import { type Config, ConfigError } from "@im/shared/config";
import { ErrorCode } from "@im/protocol";
import type { Logger } from "@im/shared/log";
import { jsonError } from "../auth/http.ts";
import { constantTimeEqual } from "../auth/passwords.ts";

export const MIN_ADMIN_TOKEN_CHARS = 32;

/** The configured credential, or null when the admin API is off. */
export function adminTokenOf(config: Config): string | null {
  const token = config.adminToken ||
    (config.adminTokenFile ? Deno.readTextFileSync(config.adminTokenFile).trim() : "");
  if (!token) return null;
  if (token.length < MIN_ADMIN_TOKEN_CHARS) {
    throw new ConfigError([
      `ADMIN_TOKEN (or ADMIN_TOKEN_FILE) must hold at least ${MIN_ADMIN_TOKEN_CHARS} characters`,
    ]);
  }
  return token;
}

const digest = async (s: string) =>
  new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(s)));

export function requireOperator(token: string): MiddlewareHandler {
  const expected = digest(token);
  return async (c, next) => {
    const m = /^Bearer (\S+)$/.exec(c.req.header("Authorization") ?? "");
    if (!m || !constantTimeEqual(await digest(m[1]), await expected)) {
      auditOf(c).outcome = "refused";
      return jsonError(c, 401, ErrorCode.ADMIN_UNAUTHORIZED, "operator credential required");
    }
    await next();
  };
}

/** What a handler adds to its request's audit line (targets, counts), never secrets. */
export type AuditFields = Record<string, unknown> & { outcome?: string };
const AUDIT = "im.audit";

export function auditOf(c: Context): AuditFields {
  let a = c.get(AUDIT) as AuditFields | undefined;
  if (!a) c.set(AUDIT, a = {});
  return a;
}

/** One `admin audit` line per request, whatever its outcome, at a level filters never drop. */
export function auditTrail(audit: Logger, remoteOf: (c: Context) => string): MiddlewareHandler {
  return async (c, next) => {
    const started = Date.now();
    try {
      await next();
    } finally {
      const { outcome, ...fields } = auditOf(c);
      audit.info("admin audit", {
        audit: true,
        action: `${c.req.method} ${c.req.routePath}`,
        path: c.req.path,
        status: c.res.status,
        outcome: outcome ?? (c.res.status < 400 ? "ok" : "failed"),
        remote: remoteOf(c),
        ms: Date.now() - started,
        ...fields,
      });
    }
  };
}
