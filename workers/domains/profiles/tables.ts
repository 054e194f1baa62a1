/** Table functions for profiles (columns of `users`); each takes the executor. */
import type { DmPolicy, MyProfile, PublicProfile } from "@im/protocol";
import type { Exec } from "@im/shared/db";

const PUBLIC = ["id", "username", "nickname", "avatar_url", "bio"] as const;

type PublicRow = {
  id: string;
  username: string;
  nickname: string;
  avatar_url: string;
  bio: string;
};

export const toPublic = (r: PublicRow): PublicProfile => ({
  userId: String(r.id),
  username: r.username,
  nickname: r.nickname,
  avatarUrl: r.avatar_url,
  bio: r.bio,
});

/** Public profiles of these users (unknown ids are absent). */
export async function profilesOf(db: Exec, ids: string[]): Promise<Map<string, PublicProfile>> {
  if (ids.length === 0) return new Map();
  const rows = await db.selectFrom("users").select(PUBLIC).where("id", "in", [...new Set(ids)])
    .execute();
  return new Map(rows.map((r) => [String(r.id), toPublic(r)]));
}

export async function myProfile(
  db: Exec,
  userId: string,
  defaultPolicy: DmPolicy,
): Promise<MyProfile | null> {
  const r = await db.selectFrom("users").select([...PUBLIC, "dm_policy"]).where("id", "=", userId)
    .executeTakeFirst();
  return r ? { ...toPublic(r), dmPolicy: (r.dm_policy as DmPolicy | null) ?? defaultPolicy } : null;
}

export interface ProfileChange {
  nickname?: string;
  avatarUrl?: string;
  bio?: string;
  dmPolicy?: DmPolicy;
}

export async function updateProfile(db: Exec, userId: string, c: ProfileChange): Promise<void> {
  await db.updateTable("users").set({
    ...(c.nickname !== undefined ? { nickname: c.nickname } : {}),
    ...(c.avatarUrl !== undefined ? { avatar_url: c.avatarUrl } : {}),
    ...(c.bio !== undefined ? { bio: c.bio } : {}),
    ...(c.dmPolicy !== undefined ? { dm_policy: c.dmPolicy } : {}),
  }).where("id", "=", userId).execute();
}
