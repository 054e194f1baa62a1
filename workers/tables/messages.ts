/** Table functions for `messages`. Each takes the executor so actions compose them in one commit. */
import type { Kysely, Transaction } from "kysely";
import type { Database } from "@im/shared/db";

export type Exec = Kysely<Database> | Transaction<Database>;

export interface StoredMessage {
  msgId: string;
  conversationId: string;
  seq: number;
  senderId: string;
  clientMsgId: string;
  kind: string;
  body: string;
  createdAt: number;
  sourceEntry: string;
}

export const dedupKey = (senderId: string, clientMsgId: string) => `${senderId}:${clientMsgId}`;

/** Stored messages for (sender, clientMsgId) pairs, keyed by `dedupKey`. */
export async function findByClientIds(
  db: Exec,
  pairs: Array<{ senderId: string; clientMsgId: string }>,
): Promise<Map<string, StoredMessage>> {
  const out = new Map<string, StoredMessage>();
  if (pairs.length === 0) return out;
  const rows = await db.selectFrom("messages").selectAll()
    .where("sender_id", "in", [...new Set(pairs.map((p) => p.senderId))])
    .where("client_msg_id", "in", [...new Set(pairs.map((p) => p.clientMsgId))])
    .execute();
  for (const r of rows) {
    const m = toStored(r);
    out.set(dedupKey(m.senderId, m.clientMsgId), m);
  }
  return out;
}

export async function insertMessages(db: Exec, rows: StoredMessage[]): Promise<void> {
  if (rows.length === 0) return;
  await db.insertInto("messages").values(rows.map((m) => ({
    msg_id: m.msgId,
    conversation_id: m.conversationId,
    seq: m.seq,
    sender_id: m.senderId,
    client_msg_id: m.clientMsgId,
    kind: m.kind,
    body: m.body,
    created_at: m.createdAt,
    source_entry: m.sourceEntry,
  }))).execute();
}

function toStored(r: Database["messages"] extends infer _ ? Record<string, unknown> : never) {
  return {
    msgId: String(r.msg_id),
    conversationId: String(r.conversation_id),
    seq: Number(r.seq),
    senderId: String(r.sender_id),
    clientMsgId: String(r.client_msg_id),
    kind: String(r.kind),
    body: String(r.body),
    createdAt: Number(r.created_at),
    sourceEntry: String(r.source_entry),
  } satisfies StoredMessage;
}
