/** Turns stored rows into wire views; recalled content never leaves the server. */
import type { MessageView } from "@im/shared/protocol";
import type { StoredMessage } from "./tables/messages.ts";

/** The other member of a 1:1 conversation "d:<lo>:<hi>". */
export function peerOf(conversationId: string, userId: string): string {
  const [, a, b] = conversationId.split(":");
  return a === userId ? b : a;
}

export function toView(m: StoredMessage): MessageView {
  const view: MessageView = {
    msgId: m.msgId,
    conversationId: m.conversationId,
    seq: m.seq,
    from: m.senderId,
    to: peerOf(m.conversationId, m.senderId),
    clientMsgId: m.clientMsgId,
    kind: m.kind === "recall" ? "recall" : "text",
    body: m.recalledAt ? "" : m.body,
    serverTime: m.createdAt,
  };
  if (m.recalledAt) view.recalled = true;
  if (m.refMsgId) view.ref = m.refMsgId;
  return view;
}
