/** Read models a UI renders: the conversation list and one conversation's timeline with marks. */
import type { Outbox, Outgoing } from "./outbox.ts";
import {
  type ConversationKind,
  directPeer,
  type MessageView,
  parseConversationId,
} from "@im/protocol";
import { isNotice, type MessageStore } from "./store.ts";

/**
 * The mark on one of your messages: `sending`/`failed` before the server has it, then `sent`
 * (stored), `offline` (stored for a receiver with no device online), `delivered`, `read`.
 */
export type MessageStatus = "sending" | "failed" | "sent" | "offline" | "delivered" | "read";

export interface ConversationSummary {
  conversationId: string;
  kind: ConversationKind;
  /** Direct chats: the other member; null in groups. */
  peerId: string | null;
  lastMessage: MessageView | null;
  /** Epoch ms of the latest message or unsent message. */
  lastActivity: number;
  unread: number;
  unsent: number;
}

export type TimelineItem =
  | { kind: "message"; message: MessageView; mine: boolean; status: MessageStatus | null }
  | { kind: "unsent"; outgoing: Outgoing; status: MessageStatus };

export function statusOf(store: MessageStore, m: MessageView): MessageStatus | null {
  if (m.from !== store.me) return null;
  const c = store.get(m.conversationId);
  if (c && c.peerReadSeq >= m.seq) return "read";
  if (c && c.peerDeliveredSeq >= m.seq) return "delivered";
  return store.isStoredOffline(m.msgId) ? "offline" : "sent";
}

export function summarize(store: MessageStore, outbox: Outbox): ConversationSummary[] {
  const byId = new Map<string, ConversationSummary>();
  for (const c of store.all()) {
    const last = [...c.messages].reverse().find((m) => !isNotice(m)) ?? null;
    byId.set(c.conversationId, {
      conversationId: c.conversationId,
      kind: c.kind,
      peerId: c.peerId,
      lastMessage: last,
      lastActivity: last?.serverTime ?? 0,
      unread: store.unread(c.conversationId),
      unsent: 0,
    });
  }
  for (const o of outbox.all()) {
    const s = byId.get(o.conversationId) ?? {
      conversationId: o.conversationId,
      kind: parseConversationId(o.conversationId)?.kind ?? "group",
      peerId: directPeer(o.conversationId, store.me),
      lastMessage: null,
      lastActivity: 0,
      unread: 0,
      unsent: 0,
    };
    s.unsent++;
    s.lastActivity = Math.max(s.lastActivity, o.createdAt);
    byId.set(o.conversationId, s);
  }
  return [...byId.values()].sort((a, b) => b.lastActivity - a.lastActivity);
}

export function timeline(
  store: MessageStore,
  outbox: Outbox,
  conversationId: string,
): TimelineItem[] {
  const items: TimelineItem[] = (store.get(conversationId)?.messages ?? [])
    .filter((m) => !isNotice(m))
    .map((m) => ({
      kind: "message" as const,
      message: m,
      mine: m.from === store.me,
      status: statusOf(store, m),
    }));
  const unsent = outbox.inConversation(conversationId).sort((a, b) => a.createdAt - b.createdAt);
  for (const o of unsent) items.push({ kind: "unsent", outgoing: o, status: o.state });
  return items;
}
