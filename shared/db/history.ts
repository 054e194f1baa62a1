/**
 * One page of a conversation's history for a member, read straight from MySQL: the HTTP
 * history route's query module (the WebSocket `history` frame is answered by a worker with the
 * same semantics; gateway/api/history_test.ts checks both give the same page).
 * Not a member and no such conversation are one answer, so existence never leaks; a member reads
 * only their window of it.
 */
import { directPeer, type HistoryPage, type MessageView } from "@im/protocol";
import type { Db } from "./connect.ts";

export const DEFAULT_HISTORY_LIMIT = 50;

export interface HistoryRequest {
  conversationId: string;
  beforeSeq?: number;
  afterSeq?: number;
  limit?: number;
}

export type { HistoryPage };

export type HistoryOutcome =
  | { ok: true; page: HistoryPage }
  | { ok: false; reason: "not_found" }
  | { ok: false; reason: "cursor_invalid"; lastSeq: number };

export async function readHistory(
  db: Db,
  userId: string,
  req: HistoryRequest,
): Promise<HistoryOutcome> {
  const members = await db.selectFrom("conversation_members as m")
    .innerJoin("conversations as c", "c.id", "m.conversation_id")
    .select([
      "m.user_id",
      "m.read_seq",
      "m.delivered_seq",
      "m.cleared_seq",
      "m.left_seq",
      "c.last_seq",
    ])
    .where("m.conversation_id", "=", req.conversationId)
    .execute();
  const me = members.find((m) => String(m.user_id) === userId);
  if (!me) return { ok: false, reason: "not_found" };
  // Peer cursors mean something in a direct chat only (a group has no single "other member");
  // former members' rows count, as in the worker's statesFor.
  const peer = members.length === 2 ? members.find((m) => String(m.user_id) !== userId) : undefined;
  // The member sees seqs in (cleared_seq, left_seq]: "delete for me" below, leaving above.
  const clearedSeq = Number(me.cleared_seq);
  const leftSeq = me.left_seq === null ? null : Number(me.left_seq);
  const lastSeq = leftSeq === null ? Number(me.last_seq) : Math.min(Number(me.last_seq), leftSeq);
  if ((req.afterSeq ?? 0) > lastSeq || (req.beforeSeq ?? 0) > lastSeq + 1) {
    return { ok: false, reason: "cursor_invalid", lastSeq };
  }
  const limit = req.limit ?? DEFAULT_HISTORY_LIMIT;
  // Newest page by default (and when scrolling up); ascending only after `afterSeq`.
  const newestFirst = req.afterSeq === undefined;
  let q = db.selectFrom("messages")
    .select([
      "msg_id",
      "seq",
      "sender_id",
      "client_msg_id",
      "kind",
      "body",
      "created_at",
      "recalled_at",
      "ref_msg_id",
    ])
    .where("conversation_id", "=", req.conversationId);
  q = q.where("seq", ">", Math.max(req.afterSeq ?? 0, clearedSeq));
  if (req.beforeSeq !== undefined) q = q.where("seq", "<", req.beforeSeq);
  if (leftSeq !== null) q = q.where("seq", "<=", leftSeq);
  const rows = await q.orderBy("seq", newestFirst ? "desc" : "asc").limit(limit + 1).execute();
  const page = rows.slice(0, limit);
  if (newestFirst) page.reverse();
  return {
    ok: true,
    page: {
      conversationId: req.conversationId,
      messages: page.map((r) => viewOf(req.conversationId, r)),
      more: rows.length > limit,
      clearedSeq,
      peerDeliveredSeq: Number(peer?.delivered_seq ?? 0),
      peerReadSeq: Number(peer?.read_seq ?? 0),
    },
  };
}

interface Row {
  msg_id: string;
  seq: number;
  sender_id: string;
  client_msg_id: string;
  kind: string;
  body: string;
  created_at: string;
  recalled_at: string | null;
  ref_msg_id: string | null;
}

/** A stored row as the wire sees it: recalled content never leaves the server. */
function viewOf(conversationId: string, r: Row): MessageView {
  const from = String(r.sender_id);
  const view: MessageView = {
    msgId: String(r.msg_id),
    conversationId,
    seq: Number(r.seq),
    from,
    clientMsgId: r.client_msg_id,
    kind: r.kind === "recall" ? "recall" : "text",
    body: r.recalled_at != null ? "" : r.body,
    serverTime: Number(r.created_at),
  };
  const to = directPeer(conversationId, from);
  if (to) view.to = to;
  if (r.recalled_at != null) view.recalled = true;
  if (r.ref_msg_id != null) view.ref = String(r.ref_msg_id);
  return view;
}
