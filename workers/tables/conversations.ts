/** Table functions for `conversations` and `conversation_members`. */
import { sql } from "kysely";
import type { Exec } from "./messages.ts";

/**
 * Locks the head rows of these conversations and returns their last seq (0 for new ones).
 * The partition owner is the only writer of its conversations; the lock keeps it so even
 * against a fenced-out predecessor mid-commit.
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
  kind: "direct" | "group";
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
}

export async function addMembers(
  db: Exec,
  rows: Array<{ conversationId: string; userId: string; at: number }>,
): Promise<void> {
  if (rows.length === 0) return;
  await db.insertInto("conversation_members").ignore().values(rows.map((r) => ({
    conversation_id: r.conversationId,
    user_id: r.userId,
    joined_at: r.at,
  }))).execute();
}
