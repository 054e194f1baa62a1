/**
 * Turns stored rows into wire views; recalled content never leaves the server. A plain text
 * message's view has exactly the fields (in the order) it had before rich kinds existed.
 */
import {
  directPeer,
  type MessageKind,
  type MessageView,
  previewText,
  type ReactionCount,
  type ReplyPreview,
} from "@im/protocol";
import { groupParts } from "../groups/views.ts";
import type { StoredMessage } from "./tables.ts";
import { withCallRecord } from "../calls/views.ts";

export interface ViewExtras {
  /** The messages that replies and edit notices refer to, by msgId (absent: not shown). */
  refs?: Map<string, StoredMessage>;
  /** Reaction counts by msgId, as the reader sees them. */
  reactions?: Map<string, ReactionCount[]>;
}

export function toView(m: StoredMessage, x: ViewExtras = {}): MessageView {
  const gone = Boolean(m.recalledAt);
  const view: MessageView = {
    msgId: m.msgId,
    conversationId: m.conversationId,
    seq: m.seq,
    from: m.senderId,
    clientMsgId: m.clientMsgId,
    kind: m.kind as MessageKind,
    body: gone ? "" : m.body,
    serverTime: m.createdAt,
  };
  const to = directPeer(m.conversationId, m.senderId);
  if (to) view.to = to;
  if (gone) view.recalled = true;
  if (m.refMsgId) view.ref = m.refMsgId;
  if (!gone && m.content) Object.assign(view, m.content);
  if (!gone && m.editedAt) Object.assign(view, { edited: true, editedAt: m.editedAt });
  const quoted = m.replyToMsgId ? x.refs?.get(m.replyToMsgId) : undefined;
  if (quoted) view.replyTo = previewOf(quoted);
  const edited = m.kind === "edit" && m.refMsgId ? x.refs?.get(m.refMsgId) : undefined;
  if (edited && !edited.recalledAt) {
    view.edit = { body: edited.body, editedAt: edited.editedAt ?? m.createdAt };
  }
  const reactions = x.reactions?.get(m.msgId);
  if (reactions?.length && !gone) view.reactions = reactions;
  if (m.kind === "call") return withCallRecord(view, m.body);
  return groupParts(m, view);
}

/** The quote a reply shows; nothing of a recalled message's content. */
export function previewOf(m: StoredMessage): ReplyPreview {
  const p: ReplyPreview = {
    msgId: m.msgId,
    seq: m.seq,
    from: m.senderId,
    kind: m.kind as ReplyPreview["kind"],
    text: m.recalledAt ? "" : previewText(m.body),
  };
  if (m.recalledAt) p.recalled = true;
  return p;
}
