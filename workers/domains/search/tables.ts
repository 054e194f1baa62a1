/** The reader's side of search: their own member rows (their windows), one indexed read. */
import type { Exec } from "@im/shared/db";
import type { MemberState } from "../conversations/tables.ts";

/** Every member row of this user (former memberships too), with each conversation's last seq. */
export async function membershipsOf(db: Exec, userId: string): Promise<MemberState[]> {
  const rows = await db.selectFrom("conversation_members as m")
    .innerJoin("conversations as c", "c.id", "m.conversation_id")
    .select([
      "m.conversation_id",
      "m.read_seq",
      "m.delivered_seq",
      "m.cleared_seq",
      "m.left_seq",
      "m.mention_seq",
      "c.last_seq",
    ])
    .where("m.user_id", "=", userId).execute();
  return rows.map((r) => ({
    conversationId: r.conversation_id,
    userId,
    readSeq: Number(r.read_seq),
    deliveredSeq: Number(r.delivered_seq),
    lastSeq: Number(r.last_seq),
    clearedSeq: Number(r.cleared_seq),
    leftSeq: r.left_seq === null ? null : Number(r.left_seq),
    mentionSeq: Number(r.mention_seq),
  }));
}
