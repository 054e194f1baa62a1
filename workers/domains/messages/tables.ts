/** Table functions for `messages`. Each takes the executor so actions compose them in one commit. */
import type { CustomContent, Location, MediaRef } from "@im/protocol";
import { boundText, type Exec, insertRows, later, marks, rowsOf } from "@im/shared/db";

/** What a message carries besides its text, stored as JSON in `content`. */
export interface StoredContent {
  media?: MediaRef;
  location?: Location;
  custom?: CustomContent;
  forwarded?: { from: string };
}

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
  recalledAt?: number | null;
  refMsgId?: string | null;
  content?: StoredContent | null;
  /** The media object it refers to (downloads are checked through this). */
  mediaId?: string | null;
  replyToMsgId?: string | null;
  editedAt?: number | null;
  /** Groups: JSON {"users": [...], "all": true} (see ../groups/mentions.ts). */
  mentions?: string | null;
}

export const dedupKey = (senderId: string, clientMsgId: string) => `${senderId}:${clientMsgId}`;

/** Stored messages for (sender, clientMsgId) pairs, keyed by `dedupKey`. */
export async function findByClientIds(
  db: Exec,
  pairs: Array<{ senderId: string; clientMsgId: string }>,
): Promise<Map<string, StoredMessage>> {
  if (pairs.length === 0) return new Map();
  return storedByClientId(await rowsOf(db, clientIdsRead(pairs)));
}

/** The read of findByClientIds (for readTogether); pairs must not be empty. */
export function clientIdsRead(pairs: Array<{ senderId: string; clientMsgId: string }>) {
  const senders = [...new Set(pairs.map((p) => p.senderId))];
  const clientIds = [...new Set(pairs.map((p) => p.clientMsgId))];
  return boundText(
    `select * from \`messages\` where \`sender_id\` in (${marks(senders.length)})` +
      ` and \`client_msg_id\` in (${marks(clientIds.length)})`,
    [...senders, ...clientIds],
  );
}

export function storedByClientId(rows: unknown[]): Map<string, StoredMessage> {
  const out = new Map<string, StoredMessage>();
  for (const r of rows as Parameters<typeof toStored>[0][]) {
    const m = toStored(r);
    out.set(dedupKey(m.senderId, m.clientMsgId), m);
  }
  return out;
}

const MESSAGE_COLUMNS = [
  "msg_id",
  "conversation_id",
  "seq",
  "sender_id",
  "client_msg_id",
  "kind",
  "body",
  "created_at",
  "source_entry",
  "ref_msg_id",
  "content",
  "media_id",
  "reply_to_msg_id",
  "mentions",
] as const;

export async function insertMessages(db: Exec, rows: StoredMessage[]): Promise<void> {
  if (rows.length === 0) return;
  await later(
    db,
    insertRows(
      "messages",
      MESSAGE_COLUMNS,
      rows.map((m) => [
        m.msgId,
        m.conversationId,
        m.seq,
        m.senderId,
        m.clientMsgId,
        m.kind,
        m.body,
        m.createdAt,
        m.sourceEntry,
        m.refMsgId ?? null,
        m.content ? JSON.stringify(m.content) : null,
        m.mediaId ?? null,
        m.replyToMsgId ?? null,
        m.mentions ?? null,
      ]),
    ),
  );
}

/** The seqs a member may see: (above, upTo]. */
export interface Window {
  above: number;
  upTo: number | null;
}

/**
 * One page of a conversation by seq, within the reader's window: ascending after `afterSeq`, or
 * the newest before `beforeSeq`.
 */
export async function pageOf(
  db: Exec,
  conversationId: string,
  range: { afterSeq?: number; beforeSeq?: number },
  limit: number,
  window: Window = { above: 0, upTo: null },
): Promise<{ messages: StoredMessage[]; more: boolean }> {
  let q = db.selectFrom("messages").selectAll().where("conversation_id", "=", conversationId);
  const newestFirst = range.afterSeq === undefined;
  q = q.where("seq", ">", Math.max(range.afterSeq ?? 0, window.above));
  if (range.beforeSeq !== undefined) q = q.where("seq", "<", range.beforeSeq);
  if (window.upTo !== null) q = q.where("seq", "<=", window.upTo);
  const rows = await q.orderBy("seq", newestFirst ? "desc" : "asc").limit(limit + 1).execute();
  const more = rows.length > limit;
  const page = rows.slice(0, limit).map(toStored);
  if (newestFirst) page.reverse();
  return { messages: page, more };
}

export async function findById(db: Exec, msgId: string): Promise<StoredMessage | null> {
  const r = await db.selectFrom("messages").selectAll().where("msg_id", "=", msgId).forUpdate()
    .executeTakeFirst();
  return r ? toStored(r) : null;
}

export async function findByIds(db: Exec, msgIds: string[]): Promise<Map<string, StoredMessage>> {
  if (msgIds.length === 0) return new Map();
  const rows = await db.selectFrom("messages").selectAll().where("msg_id", "in", msgIds).execute();
  return new Map(rows.map((r) => [String(r.msg_id), toStored(r)]));
}

/** Erases the content: the text, the kind's data and the media link (downloads stop with it). */
export async function markRecalled(db: Exec, msgId: string, at: number): Promise<void> {
  await db.updateTable("messages").set({ recalled_at: at, body: "", content: null, media_id: null })
    .where("msg_id", "=", msgId).execute();
}

/** An edit: the new text replaces the old in place (the one column search indexes). */
export async function updateBody(db: Exec, msgId: string, body: string, at: number) {
  await db.updateTable("messages").set({ body, edited_at: at }).where("msg_id", "=", msgId)
    .execute();
}

export function toStored(r: Record<string, unknown>) {
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
    recalledAt: r.recalled_at == null ? null : Number(r.recalled_at),
    refMsgId: r.ref_msg_id == null ? null : String(r.ref_msg_id),
    content: r.content == null ? null : JSON.parse(String(r.content)) as StoredContent,
    mediaId: r.media_id == null ? null : String(r.media_id),
    replyToMsgId: r.reply_to_msg_id == null ? null : String(r.reply_to_msg_id),
    editedAt: r.edited_at == null ? null : Number(r.edited_at),
    mentions: r.mentions == null ? null : String(r.mentions),
  } satisfies StoredMessage;
}
