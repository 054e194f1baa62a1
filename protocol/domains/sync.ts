/** Catching up (sync by cursors) and paging one conversation's history: the read lane. */
import { conversationIdSchema } from "../conversations.ts";
import { seq } from "../fields.ts";
import { int, list, object, optional, str } from "../schema.ts";
import { read } from "../spec.ts";
import type { MessageView } from "./messages.ts";

export const syncFrames = {
  /** What this device missed: the cursors it holds (absent conversations start at 0), paged. */
  sync: read(
    object({
      cursors: optional(list(object({ conversationId: conversationIdSchema, seq }), 1000)),
      limit: optional(int({ min: 1, max: 500 })),
      /**
       * The inbox cursor of the last page ("" for a device that has none): every conversation
       * with write diffusion (direct chats, groups up to GROUP_WRITE_DIFFUSION_MAX) syncs from
       * it; `cursors` then matter only for larger groups (and for the states they ask for).
       */
      inbox: optional(str({ max: 2000, pattern: /^(\d{1,5}:\d{1,20}(,\d{1,5}:\d{1,20})*)?$/ })),
    }),
    "sync.page",
  ),
  history: read(
    object({
      conversationId: conversationIdSchema,
      beforeSeq: optional(seq),
      afterSeq: optional(seq),
      limit: optional(int({ min: 1, max: 100 })),
    }),
    "history.page",
  ),
};

export interface Cursor {
  conversationId: string;
  seq: number;
}

export interface ConversationState {
  conversationId: string;
  lastSeq: number;
  /** This user's own read cursor (shared by all their devices). */
  readSeq: number;
  /** Seqs up to this one are not visible to this user (cleared, or before they joined). */
  clearedSeq: number;
  /** Direct chats: the other member's cursors (my messages up to these are delivered / read). */
  peerDeliveredSeq: number;
  peerReadSeq: number;
  /**
   * The latest seq that mentions this user (or everyone); mentioned while above `readSeq`.
   * Always sent by this server; optional for clients of servers before groups.
   */
  mentionSeq?: number;
}

export interface SyncConversation extends ConversationState {
  messages: MessageView[];
}

export interface HistoryPage {
  conversationId: string;
  messages: MessageView[];
  /** Another page exists in that direction (never below `clearedSeq`). */
  more: boolean;
  clearedSeq: number;
  peerDeliveredSeq: number;
  peerReadSeq: number;
}

export interface SyncServerData {
  "sync.page": {
    conversations: SyncConversation[];
    more: boolean;
    /** The inbox cursor to send next (with an `inbox` request, and on a plain sync's last page). */
    inbox?: string;
  };
  "history.page": HistoryPage;
}
