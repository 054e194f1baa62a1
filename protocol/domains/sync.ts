/** Catching up (sync by cursors) and paging one conversation's history: the read lane. */
import { conversationIdSchema } from "../conversations.ts";
import { seq } from "../fields.ts";
import { int, list, object, optional } from "../schema.ts";
import { read } from "../spec.ts";
import type { MessageView } from "./messages.ts";

export const syncFrames = {
  /** What this device missed: the cursors it holds (absent conversations start at 0), paged. */
  sync: read(
    object({
      cursors: optional(list(object({ conversationId: conversationIdSchema, seq }), 1000)),
      limit: optional(int({ min: 1, max: 500 })),
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
  "sync.page": { conversations: SyncConversation[]; more: boolean };
  "history.page": HistoryPage;
}
