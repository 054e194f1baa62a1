/** Table functions for `message_reactions`; each takes the executor. */
import { sql } from "kysely";
import type { ReactionCount } from "@im/protocol";
import type { Exec } from "@im/shared/db";

/** Counts per emoji of each message, in the order the emoji were first used, for one reader. */
export async function reactionsFor(
  db: Exec,
  reader: string,
  msgIds: string[],
): Promise<Map<string, ReactionCount[]>> {
  const out = new Map<string, ReactionCount[]>();
  if (msgIds.length === 0) return out;
  const rows = await db.selectFrom("message_reactions")
    .select([
      "msg_id",
      "emoji",
      sql<number>`COUNT(*)`.as("n"),
      sql<number>`MAX(user_id = ${reader})`.as("mine"),
      sql<string>`MIN(created_at)`.as("first"),
    ])
    .where("msg_id", "in", msgIds)
    .groupBy(["msg_id", "emoji"])
    .orderBy(sql`MIN(created_at)`).orderBy("emoji")
    .execute();
  for (const r of rows) {
    const list = out.get(String(r.msg_id)) ?? [];
    list.push({ emoji: r.emoji, count: Number(r.n), me: Number(r.mine) === 1 });
    out.set(String(r.msg_id), list);
  }
  return out;
}

/** Adds or removes one user's reaction; true when something changed. */
export async function setReaction(
  db: Exec,
  r: { msgId: string; userId: string; emoji: string; add: boolean; at: number },
): Promise<boolean> {
  if (r.add) {
    const res = await db.insertInto("message_reactions").ignore().values({
      msg_id: r.msgId,
      user_id: r.userId,
      emoji: r.emoji,
      created_at: r.at,
    }).executeTakeFirst();
    return Number(res.numInsertedOrUpdatedRows ?? 0) > 0;
  }
  const res = await db.deleteFrom("message_reactions").where("msg_id", "=", r.msgId)
    .where("user_id", "=", r.userId).where("emoji", "=", r.emoji).executeTakeFirst();
  return Number(res.numDeletedRows) > 0;
}

/**
 * How many users react to the message with this emoji, how many emoji this user put on it, and
 * whether this one is among them.
 */
export async function reactionCounts(db: Exec, msgId: string, userId: string, emoji: string) {
  const r = await db.selectFrom("message_reactions")
    .select([
      sql<number>`SUM(emoji = ${emoji})`.as("count"),
      sql<number>`SUM(user_id = ${userId})`.as("mine"),
      sql<number>`SUM(user_id = ${userId} AND emoji = ${emoji})`.as("has"),
    ])
    .where("msg_id", "=", msgId).executeTakeFirstOrThrow();
  return { count: Number(r.count ?? 0), mine: Number(r.mine ?? 0), has: Number(r.has ?? 0) > 0 };
}
