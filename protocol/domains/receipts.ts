/** Delivered and read cursors (cumulative per member) and the receipts they cause. */
import { conversationIdSchema } from "../conversations.ts";
import { seq } from "../fields.ts";
import { object } from "../schema.ts";
import { tx } from "../spec.ts";

const cursor = object({ conversationId: conversationIdSchema, seq });

export const receiptFrames = {
  /** This device has every message of the conversation up to seq. */
  "msg.delivered": tx(cursor, "ok", (d) => d.conversationId),
  /** The user has read the conversation up to seq (implies delivered). */
  "msg.read": tx(cursor, "ok", (d) => d.conversationId),
};

export interface Receipt {
  conversationId: string;
  /** Whose cursors these are: another member, or you (read on another device). */
  by: string;
  deliveredSeq: number;
  readSeq: number;
}

export interface ReceiptServerData {
  receipt: Receipt;
}
