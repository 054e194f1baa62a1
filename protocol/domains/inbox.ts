/**
 * The conversation list, served by the server: pinned first, then by last activity, paged; and
 * each user's own settings of a conversation (pin, mute, hide, delete for me). A setting runs on
 * the conversation's partition (in order with its messages) and reaches the user's other
 * devices; marking read is `msg.read`.
 */
import { conversationIdSchema } from "../conversations.ts";
import { bool, object, optional } from "../schema.ts";
import { read, tx } from "../spec.ts";
import type { MessageView } from "./messages.ts";
import { pageCursor, pageLimit } from "./paging.ts";

const settings = object(
  {
    conversationId: conversationIdSchema,
    pinned: optional(bool()),
    /** Still delivered, flagged so clients (and push notifications) stay quiet. */
    muted: optional(bool()),
    /** Out of the list until its next message. */
    hidden: optional(bool()),
  },
  (d) => Object.keys(d).length === 1 ? "needs at least one of pinned, muted, hidden" : null,
);

export const inboxFrames = {
  "conv.list": read(object({ cursor: pageCursor, limit: pageLimit }), "conv.page"),
  "conv.update": tx(settings, "conv.changed", (d) => d.conversationId),
  /** Delete for me: clears your history up to now (the others keep theirs) and hides it. */
  "conv.delete": tx(
    object({ conversationId: conversationIdSchema }),
    "conv.changed",
    (d) => d.conversationId,
  ),
};

export interface ConversationSettings {
  conversationId: string;
  pinned: boolean;
  muted: boolean;
  hidden: boolean;
  /** Seqs up to this one are gone for you. */
  clearedSeq: number;
}

export interface ConversationItem extends ConversationSettings {
  kind: "direct" | "group";
  /** Direct chats: the other member. */
  peerId?: string;
  /** The last seq you can see. */
  lastSeq: number;
  readSeq: number;
  /**
   * The last message you can see, or null. A recalled one comes with `recalled: true` and an
   * empty body (show a placeholder); a recall notice (`kind: "recall"`) likewise.
   */
  lastMessage: MessageView | null;
  /** Others' messages above your read cursor, counted over the newest 200 seqs (show 99+). */
  unread: number;
  /** Someone mentioned you above your read cursor. */
  mentioned: boolean;
  /** Epoch ms of the last message (or of joining). */
  activeAt: number;
  /** False once you left or were removed (you keep reading what you saw). */
  member: boolean;
}

export interface InboxServerData {
  "conv.page": { conversations: ConversationItem[]; cursor?: string };
  /** Reply to conv.update / conv.delete, and pushed to your other devices. */
  "conv.changed": ConversationSettings;
}
