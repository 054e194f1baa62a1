/**
 * Table functions for `devices` and the device side of `refresh_tokens`; each takes the
 * executor. A device is signed in while one of its refresh tokens is live (not spent, not
 * revoked, not expired): logout, reuse detection, remote sign-out and the platform limit all
 * end a device the same way, by revoking its tokens.
 */
import { type Kysely, sql, type Transaction } from "kysely";
import { type Platform, PLATFORMS } from "@im/protocol";
import type { Database } from "@im/shared/db";

type Exec = Kysely<Database> | Transaction<Database>;

export interface DeviceRow {
  deviceId: string;
  platform: Platform;
  name: string;
  createdAt: number;
  lastLoginAt: number;
  lastSeenAt: number;
}

/** Records a login of this device (its class and name may change with each login). */
export async function upsertDevice(
  db: Exec,
  d: { userId: string; deviceId: string; platform: Platform; name: string; now: number },
): Promise<void> {
  await db.insertInto("devices").values({
    user_id: d.userId,
    device_id: d.deviceId,
    platform: d.platform,
    name: d.name,
    created_at: d.now,
    last_login_at: d.now,
    last_seen_at: d.now,
  }).onDuplicateKeyUpdate({
    platform: sql`VALUES(platform)`,
    name: sql`VALUES(name)`,
    last_login_at: sql`VALUES(last_login_at)`,
    last_seen_at: sql`VALUES(last_seen_at)`,
  }).execute();
}

export async function touchDevice(db: Exec, userId: string, deviceId: string, now: number) {
  await db.updateTable("devices").set({ last_seen_at: now }).where("user_id", "=", userId)
    .where("device_id", "=", deviceId).execute();
}

/**
 * The user's signed-in devices (those with a live refresh token). A session from before devices
 * were recorded has no row: it is listed as platform "other", seen when its token was issued.
 */
export async function signedInDevices(db: Exec, userId: string, now: number) {
  const live = await db.selectFrom("refresh_tokens")
    .select((eb) => ["device_id", eb.fn.max("created_at").as("issued")])
    .where("user_id", "=", userId).where("revoked_at", "is", null).where("used_at", "is", null)
    .where("expires_at", ">", String(now)).groupBy("device_id").execute();
  if (live.length === 0) return [];
  const rows = await db.selectFrom("devices").selectAll().where("user_id", "=", userId)
    .where("device_id", "in", live.map((l) => l.device_id)).execute();
  const byId = new Map(rows.map((r) => [r.device_id, r]));
  return live.map((l): DeviceRow => {
    const r = byId.get(l.device_id);
    const issued = Number(l.issued);
    return {
      deviceId: l.device_id,
      platform: PLATFORMS.includes(r?.platform as Platform) ? r!.platform as Platform : "other",
      name: r?.name ?? "",
      createdAt: r ? Number(r.created_at) : issued,
      lastLoginAt: r ? Number(r.last_login_at) : issued,
      lastSeenAt: Math.max(issued, r ? Number(r.last_seen_at) : 0),
    };
  });
}

/** Revokes every token of one device; returns the sessions (families) that were live. */
export async function revokeDevice(
  db: Exec,
  userId: string,
  deviceId: string,
  now: number,
): Promise<string[]> {
  const families = await db.selectFrom("refresh_tokens").select("family_id").distinct()
    .where("user_id", "=", userId).where("device_id", "=", deviceId)
    .where("revoked_at", "is", null).forUpdate().execute();
  if (families.length === 0) return [];
  await db.updateTable("refresh_tokens").set({ revoked_at: now }).where("user_id", "=", userId)
    .where("device_id", "=", deviceId).where("revoked_at", "is", null).execute();
  return families.map((f) => f.family_id);
}

/** Serializes one user's logins (the device limit counts, then signs out). */
export async function lockUser(db: Exec, userId: string): Promise<void> {
  await db.selectFrom("users").select("id").where("id", "=", userId).forUpdate().execute();
}
