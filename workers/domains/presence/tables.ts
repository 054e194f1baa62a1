/** Table functions for presence: the hidden flag and who may see whom. Each takes the executor. */
import { sql } from "kysely";
import type { Exec } from "@im/shared/db";

/** Which of these users hide their presence. */
export async function hiddenUsers(db: Exec, userIds: string[]): Promise<Set<string>> {
  if (userIds.length === 0) return new Set();
  const rows = await db.selectFrom("presence_settings").select("user_id")
    .where("user_id", "in", [...new Set(userIds)]).where("hidden", "=", 1).execute();
  return new Set(rows.map((r) => String(r.user_id)));
}

export async function setHidden(db: Exec, userId: string, hidden: boolean, now: number) {
  await db.insertInto("presence_settings").values({
    user_id: userId,
    hidden: hidden ? 1 : 0,
    updated_at: now,
  }).onDuplicateKeyUpdate({
    hidden: sql`VALUES(hidden)`,
    updated_at: sql`VALUES(updated_at)`,
  }).execute();
}

/** Which (viewer, other) pairs share a conversation (both current members), as "viewer:other". */
export async function sharedPairs(db: Exec, pairs: Array<[string, string]>): Promise<Set<string>> {
  if (pairs.length === 0) return new Set();
  const rows = await db.selectFrom("conversation_members as a")
    .innerJoin("conversation_members as b", "b.conversation_id", "a.conversation_id")
    .select(["a.user_id as viewer", "b.user_id as other"]).distinct()
    .where("a.user_id", "in", [...new Set(pairs.map(([v]) => v))]).where("a.left_seq", "is", null)
    .where("b.user_id", "in", [...new Set(pairs.map(([, o]) => o))]).where("b.left_seq", "is", null)
    .execute();
  const asked = new Set(pairs.map(([v, o]) => `${v}:${o}`));
  return new Set(rows.map((r) => `${r.viewer}:${r.other}`).filter((k) => asked.has(k)));
}
