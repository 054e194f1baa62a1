/**
 * The admin API (docs/PROTOCOL.md "Admin API"): off unless ADMIN_TOKEN is set, on its own port
 * (ADMIN_HOST:ADMIN_PORT, loopback by default), behind the operator credential, every request
 * audited. Errors use the same `{"error": {code, message}}` envelope as the public API.
 */
import { type Context, Hono } from "hono";
import { ErrorCode, list, object, optional, str } from "@im/protocol";
import type { Db } from "@im/shared/db";
import type { Keys } from "@im/shared/keys";
import type { KvStore } from "@im/shared/kv";
import type { Logger } from "@im/shared/log";
import type { Config } from "@im/shared/config";
import { listDeadLetters, type Redis, replayDeadLetters, RouteStore } from "@im/shared/redis";
import { bodyCap, jsonError, readBody } from "../auth/http.ts";
import { DEVICE_ID } from "../auth/tokens.ts";
import { findBan } from "../auth/bans.ts";
import { findUserById } from "../auth/users.ts";
import { ban, kick, unban } from "./actions.ts";
import { auditOf, auditTrail, requireOperator } from "./auth.ts";
import { messageById, onlineUsers, partitionsView } from "./inspect.ts";

export interface AdminApiDeps {
  token: string;
  db: Db;
  kv: KvStore;
  redis: Redis;
  keys: Keys;
  config: Config;
  /** Errors (at the process's level). */
  log: Logger;
  /** Audit lines: written whatever LOG_LEVEL says. */
  audit: Logger;
  remoteOf(c: Context): string;
}

const USER_ID = /^[1-9]\d{0,19}$/;
const Reason = object({ reason: optional(str({ min: 1, max: 200, pattern: /^[^\p{Cc}]+$/u })) });
const Replay = object({ ids: list(str({ min: 3, max: 41, pattern: /^\d+-\d+$/ }), 500) });

/** Like readBody, but an empty body is `{}`: `curl -X POST` with nothing to add is fine. */
async function optionalBody(c: Context) {
  const text = await c.req.text();
  if (!text.trim()) return { ok: true as const, value: {} as { reason?: string } };
  let input: unknown;
  try {
    input = JSON.parse(text);
  } catch {
    return {
      ok: false as const,
      response: jsonError(c, 400, ErrorCode.INVALID_REQUEST, "invalid JSON"),
    };
  }
  const r = Reason.parse(input);
  if (r.ok) return r;
  const message = `${r.issue.path || "body"} ${r.issue.problem}`;
  return { ok: false as const, response: jsonError(c, 400, ErrorCode.INVALID_REQUEST, message) };
}

export function adminApi(d: AdminApiDeps): Hono {
  const app = new Hono().basePath("/admin/v1");
  const routes = new RouteStore(d.redis, d.keys, d.config.routeTtlSec * 1000);
  app.onError((err, c) => {
    d.log.error("admin request failed", { path: c.req.path, err });
    return jsonError(c, 500, ErrorCode.INTERNAL, "internal error");
  });
  app.notFound((c) => jsonError(c, 404, ErrorCode.NOT_FOUND, "no such admin route"));
  app.use(auditTrail(d.audit, d.remoteOf));
  app.use(requireOperator(d.token));
  app.use(bodyCap);

  /** The user named by the path, or the 404 to answer; the audit line names the target. */
  const target = async (c: Context) => {
    const userId = c.req.param("userId") ?? "";
    auditOf(c).userId = userId;
    const user = USER_ID.test(userId) ? await findUserById(d.db, userId) : null;
    return user ?? jsonError(c, 404, ErrorCode.NO_SUCH_USER, "no such user");
  };

  app.get("/users/online", async (c) => {
    const count = Math.min(1000, Math.max(1, Number(c.req.query("count") ?? 100) || 100));
    const cursor = /^\d+$/.test(c.req.query("cursor") ?? "") ? c.req.query("cursor")! : "0";
    return c.json(await onlineUsers(d.redis, d.keys, routes, cursor, count));
  });
  app.get("/users/:userId", async (c) => {
    const user = await target(c);
    if (user instanceof Response) return user;
    const [banned, devices] = await Promise.all([
      findBan(d.db, user.userId),
      d.kv.liveRoutes(user.userId),
    ]);
    return c.json({ ...user, banned, devices });
  });
  app.post("/users/:userId/kick", async (c) => {
    const user = await target(c);
    if (user instanceof Response) return user;
    const body = await optionalBody(c);
    if (!body.ok) return body.response;
    const result = await kick(d, user.userId, undefined, body.value.reason ?? "kicked");
    Object.assign(auditOf(c), result, { reason: body.value.reason });
    return c.json(result);
  });
  app.post("/users/:userId/devices/:deviceId/kick", async (c) => {
    const user = await target(c);
    if (user instanceof Response) return user;
    const deviceId = c.req.param("deviceId");
    auditOf(c).deviceId = deviceId;
    if (!DEVICE_ID.test(deviceId)) {
      return jsonError(c, 400, ErrorCode.INVALID_REQUEST, "deviceId is malformed");
    }
    const body = await optionalBody(c);
    if (!body.ok) return body.response;
    const result = await kick(d, user.userId, deviceId, body.value.reason ?? "kicked");
    Object.assign(auditOf(c), result, { reason: body.value.reason });
    return c.json(result);
  });
  app.put("/users/:userId/ban", async (c) => {
    const user = await target(c);
    if (user instanceof Response) return user;
    const body = await optionalBody(c);
    if (!body.ok) return body.response;
    const result = await ban(d, user.userId, body.value.reason ?? "banned by an operator");
    Object.assign(auditOf(c), result, { reason: body.value.reason });
    return c.json({ banned: true, ...result });
  });
  app.delete("/users/:userId/ban", async (c) => {
    const user = await target(c);
    if (user instanceof Response) return user;
    const was = await unban(d, user.userId);
    auditOf(c).wasBanned = was;
    return c.json({ banned: false, wasBanned: was });
  });
  app.get("/messages/:msgId", async (c) => {
    const msgId = c.req.param("msgId");
    auditOf(c).msgId = msgId;
    const m = await messageById(d.db, msgId);
    return m ? c.json(m) : jsonError(c, 404, ErrorCode.NOT_FOUND, "no such message");
  });
  app.get("/dead-letters", async (c) => {
    const count = Math.min(1000, Math.max(1, Number(c.req.query("count") ?? 50) || 50));
    const letters = await listDeadLetters(d.redis, d.keys, count);
    return c.json({ deadLetters: letters });
  });
  app.post("/dead-letters/replay", async (c) => {
    const body = await readBody(c, Replay);
    if (!body.ok) return body.response;
    const replayed = await replayDeadLetters(d.redis, d.keys, body.value.ids);
    Object.assign(auditOf(c), { requested: body.value.ids, replayed });
    return c.json({ replayed });
  });
  app.get("/partitions", async (c) => {
    const deadMs = Math.min(d.config.workerDeadMs, d.config.leaseTtlMs);
    return c.json(await partitionsView(d.redis, d.keys, d.config.partitions, deadMs));
  });
  return app;
}
