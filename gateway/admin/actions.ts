/**
 * What an operator does to accounts. A kick revokes the sessions (refresh families: MySQL, and
 * the Redis marker every token check reads) and closes the sockets with 4100 wherever they are
 * (a `!close` line on the holding gateway's stream), so the client must log in again rather than
 * reconnect. A ban is a row and a marker, then a kick of every device: banned users cannot log
 * in, refresh or connect, and their live tokens stop working at once.
 */
import { CloseCode } from "@im/protocol";
import type { Config } from "@im/shared/config";
import type { Db } from "@im/shared/db";
import type { KvStore } from "@im/shared/kv";
import { deleteBan, insertBan, liveSessions } from "../auth/bans.ts";
import { revokeFamily } from "../auth/refresh.ts";
import { markSessionRevoked } from "../auth/tokens.ts";

export interface AdminDeps {
  db: Db;
  kv: KvStore;
  config: Config;
}

export interface KickResult {
  sessionsRevoked: number;
  connectionsClosed: number;
}

/** Kicks one device of the user, or every device when `deviceId` is absent. */
export async function kick(
  d: AdminDeps,
  userId: string,
  deviceId: string | undefined,
  reason: string,
): Promise<KickResult> {
  const now = Date.now();
  const sessions = await liveSessions(d.db, userId, deviceId);
  for (const s of sessions) {
    await revokeFamily(d.db, s.sessionId, now);
    await markSessionRevoked(d.kv, s.sessionId, d.config.accessTtlSec);
  }
  // Sockets of sessions already revoked, or of a device that logged in again meanwhile, too.
  const routes = (await d.kv.liveRoutes(userId)).filter((r) =>
    deviceId === undefined || r.deviceId === deviceId
  );
  await Promise.all(
    routes.map((r) =>
      d.kv.closeConnection(r.gatewayId, r.connId, CloseCode.SESSION_REVOKED, reason)
    ),
  );
  return { sessionsRevoked: sessions.length, connectionsClosed: routes.length };
}

export async function ban(d: AdminDeps, userId: string, reason: string): Promise<KickResult> {
  // The row first: were the marker set and the row not, a restart of Redis would lift the ban
  // silently; this way a failure half-way is repaired by repeating the call.
  await insertBan(d.db, { userId, reason, bannedAt: Date.now() });
  await d.kv.setUserBanned(userId, true);
  return await kick(d, userId, undefined, "banned");
}

/** Returns whether the user was banned. */
export async function unban(d: AdminDeps, userId: string): Promise<boolean> {
  const was = await deleteBan(d.db, userId);
  await d.kv.setUserBanned(userId, false);
  return was;
}
