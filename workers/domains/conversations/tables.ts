/** Table functions for `conversations` and `conversation_members`; each takes the executor. */
import { sql } from "kysely";
import type { ConversationKind } from "@im/protocol";
import type { Exec } from "@im/shared/db";

/**
 * Locks the head rows of these conversations and returns their last seq (absent: no such
 * conversation yet). The partition owner is the only writer of its conversations; the lock keeps
 * it so even against a fenced-out predecessor mid-commit.
 */
export async function lockHeads(db: Exec, ids: string[]): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  if (ids.length === 0) return out;
  const rows = await db.selectFrom("conversations").select(["id", "last_seq"])
    .where("id", "in", ids).forUpdate().execute();
  for (const r of rows) out.set(r.id, Number(r.last_seq));
  return out;
}

export interface Head {
  id: string;
  kind: ConversationKind;
  lastSeq: number;
  lastMsgId: string;
  at: number;
}

/** Creates or advances conversation heads in one statement. */
export async function upsertHeads(db: Exec, heads: Head[]): Promise<void> {
  if (heads.length === 0) return;
  await db.insertInto("conversations").values(heads.map((h) => ({
    id: h.id,
    kind: h.kind,
    last_seq: h.lastSeq,
    last_msg_id: h.lastMsgId,
    created_at: h.at,
    updated_at: h.at,
  }))).onDuplicateKeyUpdate({
    last_seq: sql`VALUES(last_seq)`,
    last_msg_id: sql`VALUES(last_msg_id)`,
    updated_at: sql`VALUES(updated_at)`,
  }).execute();
  await touchMembers(db, heads);
}

/**
 * A head that advanced is activity for its current members: the conversation list orders by it,
 * and a conversation hidden "until the next message" comes back. One statement per distinct
 * time (a batch has one).
 */
async function touchMembers(db: Exec, heads: Head[]): Promise<void> {
  const byTime = Map.groupBy(heads, (h) => h.at);
  for (const [at, group] of byTime) {
    await db.updateTable("conversation_members").set({ active_at: at, hidden: 0 })
      .where("conversation_id", "in", group.map((h) => h.id)).where("left_seq", "is", null)
      .execute();
  }
}

export type Role = "owner" | "admin" | "member";

export async function addMembers(
  db: Exec,
  rows: Array<{ conversationId: string; userId: string; at: number; role?: Role }>,
): Promise<void> {
  if (rows.length === 0) return;
  await db.insertInto("conversation_members").ignore().values(rows.map((r) => ({
    conversation_id: r.conversationId,
    user_id: r.userId,
    role: r.role ?? "member",
    joined_at: r.at,
    active_at: r.at, // joining is activity: the list shows it from now
  }))).execute();
}

/** The current members' user ids of each conversation (former members excluded). */
export async function memberIdsOf(db: Exec, ids: string[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  if (ids.length === 0) return out;
  const rows = await db.selectFrom("conversation_members").select(["conversation_id", "user_id"])
    .where("conversation_id", "in", ids).where("left_seq", "is", null).execute();
  for (const r of rows) {
    const list = out.get(r.conversation_id);
    if (list) list.push(String(r.user_id));
    else out.set(r.conversation_id, [String(r.user_id)]);
  }
  return out;
}

export interface MemberState {
  conversationId: string;
  userId: string;
  readSeq: number;
  deliveredSeq: number;
  /** The conversation's last seq. */
  lastSeq: number;
  /** The member sees seqs in (clearedSeq, leftSeq ?? lastSeq]. */
  clearedSeq: number;
  /** Set for a former member. */
  leftSeq: number | null;
  mentionSeq: number;
}

/** The last seq a member may see: a former member's view ends where they left. */
export const visibleLastSeq = (m: MemberState) =>
  m.leftSeq === null ? m.lastSeq : Math.min(m.lastSeq, m.leftSeq);

/** Every member row (former members too) of these conversations, with the last seq. */
export async function membersOf(db: Exec, conversationIds: string[], lock = false) {
  if (conversationIds.length === 0) return [] as MemberState[];
  let q = db.selectFrom("conversation_members as m")
    .innerJoin("conversations as c", "c.id", "m.conversation_id")
    .select([
      "m.conversation_id",
      "m.user_id",
      "m.read_seq",
      "m.delivered_seq",
      "m.cleared_seq",
      "m.left_seq",
      "m.mention_seq",
      "c.last_seq",
    ])
    .where("m.conversation_id", "in", conversationIds);
  if (lock) q = q.forUpdate();
  const rows = await q.execute();
  return rows.map((r): MemberState => ({
    conversationId: r.conversation_id,
    userId: String(r.user_id),
    readSeq: Number(r.read_seq),
    deliveredSeq: Number(r.delivered_seq),
    lastSeq: Number(r.last_seq),
    clearedSeq: Number(r.cleared_seq),
    leftSeq: r.left_seq === null ? null : Number(r.left_seq),
    mentionSeq: Number(r.mention_seq),
  }));
}

/** The conversations a user belongs to (ids only; a user-level index scan). */
export async function conversationsOf(db: Exec, userId: string): Promise<string[]> {
  const rows = await db.selectFrom("conversation_members").select("conversation_id")
    .where("user_id", "=", userId).execute();
  return rows.map((r) => r.conversation_id);
}

/** Raises many members' cursors in one statement (they only ever grow). */
export async function raiseCursors(
  db: Exec,
  rows: Array<{ conversationId: string; userId: string; readSeq: number; deliveredSeq: number }>,
): Promise<void> {
  if (rows.length === 0) return;
  await db.insertInto("conversation_members").values(rows.map((r) => ({
    conversation_id: r.conversationId,
    user_id: r.userId,
    joined_at: 0, // never used: the rows exist (the caller locked them)
    read_seq: r.readSeq,
    delivered_seq: r.deliveredSeq,
  }))).onDuplicateKeyUpdate({
    read_seq: sql`GREATEST(read_seq, VALUES(read_seq))`,
    delivered_seq: sql`GREATEST(delivered_seq, VALUES(delivered_seq))`,
  }).execute();
}
