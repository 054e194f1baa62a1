/**
 * Bans, as login and refresh read them and the admin API writes them: the `user_bans` row is the
 * source of truth; the Redis marker beside it (KvStore.isUserBanned) is what the per-connection
 * token check reads, so a banned user's live access tokens stop working at once.
 */
import type { Executor } from "./refresh.ts";

export async function isBanned(db: Executor, userId: string): Promise<boolean> {
  const row = await db.selectFrom("user_bans").select("user_id").where("user_id", "=", userId)
    .executeTakeFirst();
  return row !== undefined;
}

export interface Ban {
  userId: string;
  reason: string;
  bannedAt: number;
}

export async function findBan(db: Executor, userId: string): Promise<Ban | null> {
  const row = await db.selectFrom("user_bans").selectAll().where("user_id", "=", userId)
    .executeTakeFirst();
  return row ? { userId: row.user_id, reason: row.reason, bannedAt: Number(row.banned_at) } : null;
}

/** Bans the user (again: the reason and time are replaced). */
export async function insertBan(db: Executor, ban: Ban): Promise<void> {
  await db.insertInto("user_bans")
    .values({ user_id: ban.userId, reason: ban.reason, banned_at: ban.bannedAt })
    .onDuplicateKeyUpdate({ reason: ban.reason, banned_at: ban.bannedAt })
    .execute();
}

/** Returns whether there was a ban to lift. */
export async function deleteBan(db: Executor, userId: string): Promise<boolean> {
  const r = await db.deleteFrom("user_bans").where("user_id", "=", userId).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

/** The refresh families (sessions) of a user, or of one device, that are not revoked. */
export async function liveSessions(
  db: Executor,
  userId: string,
  deviceId?: string,
): Promise<Array<{ sessionId: string; deviceId: string }>> {
  let q = db.selectFrom("refresh_tokens").select(["family_id", "device_id"]).distinct()
    .where("user_id", "=", userId).where("revoked_at", "is", null);
  if (deviceId !== undefined) q = q.where("device_id", "=", deviceId);
  const rows = await q.execute();
  return rows.map((r) => ({ sessionId: r.family_id, deviceId: r.device_id }));
}
