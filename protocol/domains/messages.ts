/** Sending and recalling messages, and what the server pushes about them. */
import { conversationIdSchema, directConversationId } from "../conversations.ts";
import { clientMsgId, msgId, userId } from "../fields.ts";
import { literal, object, optional, str } from "../schema.ts";
import { tx } from "../spec.ts";
import type { CallRecord } from "./calls.ts";

export type MessageKind =
  | "text"
  | "recall"
  | "call"; // a call's outcome, stored by the server (domains/calls.ts)

const sendData = object(
  {
    /** The conversation to send to (any kind). */
    conversationId: optional(conversationIdSchema),
    /** Or a user: the direct conversation with them (started by this message if new). */
    to: optional(userId),
    clientMsgId,
    kind: literal("text"),
    // The worker enforces the configured limit (MAX_BODY_CHARS) with its own error code.
    body: str({ max: 65536 }),
    /** An id reserved for this user by ids.fetch; the server picks one when absent. */
    msgId: optional(msgId),
  },
  (d) =>
    (d.conversationId === undefined) === (d.to === undefined)
      ? "needs exactly one of conversationId and to"
      : null,
);

export const messageFrames = {
  "msg.send": tx(
    sendData,
    "msg.sent",
    (d, user) => d.conversationId ?? directConversationId(user, d.to!),
  ),
  // The frame does not name the conversation; the handler locks its head row, so any partition
  // may take it. Hashing the id keeps a recall and its retries on one partition.
  "msg.recall": tx(object({ msgId }), "msg.recalled", (d) => `m:${d.msgId}`),
};

export interface MessageView {
  msgId: string;
  conversationId: string;
  seq: number;
  from: string;
  /** Direct conversations: the other member. */
  to?: string;
  clientMsgId: string;
  kind: MessageKind;
  /** "" once recalled, and for recall notices. */
  body: string;
  serverTime: number;
  recalled?: true;
  /** For kind "recall": the msgId it recalls. */
  ref?: string;
  /** For kind "call": how the call went (body is ""). */
  call?: CallRecord;
}

export interface SentAck {
  clientMsgId: string;
  msgId: string;
  seq: number;
  conversationId: string;
  serverTime: number;
}

export interface OfflineNotice {
  conversationId: string;
  msgId: string;
  seq: number;
}

export interface Recalled {
  conversationId: string;
  msgId: string;
  seq: number;
  by: string;
  recallSeq: number;
}

export interface MessageServerData {
  /** A message for you, or sent from your other device. */
  "msg.new": MessageView;
  /** Reply to msg.send, after the commit: the server has it. */
  "msg.sent": SentAck;
  /** To the sender: no other member had a device online; the message waits for them. */
  "msg.offline": OfflineNotice;
  /** Reply to msg.recall, and pushed to every member's devices. */
  "msg.recalled": Recalled;
}
