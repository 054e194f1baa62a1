/** Turns stored rows into wire views; recalled content never leaves the server. */
import { directPeer, type MessageView } from "@im/protocol";
import type { StoredMessage } from "./tables.ts";
import { withCallRecord } from "../calls/views.ts";

export function toView(m: StoredMessage): MessageView {
  const view: MessageView = {
    msgId: m.msgId,
    conversationId: m.conversationId,
    seq: m.seq,
    from: m.senderId,
    clientMsgId: m.clientMsgId,
    kind: m.kind === "recall" ? "recall" : "text",
    body: m.recalledAt ? "" : m.body,
    serverTime: m.createdAt,
  };
  const to = directPeer(m.conversationId, m.senderId);
  if (to) view.to = to;
  if (m.recalledAt) view.recalled = true;
  if (m.refMsgId) view.ref = m.refMsgId;
  if (m.kind === "call") return withCallRecord(view, m.body);
  return view;
}
