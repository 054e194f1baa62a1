/** Sending, editing, reacting to and recalling messages, and what the server pushes about them. */
import { directConversationId } from "../conversations.ts";
import { msgId } from "../fields.ts";
import { bool, object, oneOf, str } from "../schema.ts";
import { tx } from "../spec.ts";
import type { CallRecord } from "./calls.ts";
import type { GroupNotice } from "./groups.ts";
import {
  type ContentKind,
  type CustomContent,
  emoji,
  type Location,
  type MediaRef,
  type NoticeKind,
  type ReactionCount,
  type ReplyPreview,
  sendVariants,
} from "./content.ts";

/** `call`: a call's outcome, stored by the server (domains/calls.ts); never sent by a client. */
export type MessageKind = ContentKind | NoticeKind | "call";

const sendData = oneOf("kind", sendVariants);

export const messageFrames = {
  "msg.send": tx(
    sendData,
    "msg.sent",
    (d, user) => d.conversationId ?? directConversationId(user, d.to!),
  ),
  // The frame does not name the conversation; the handler locks its head row, so any partition
  // may take it. Hashing the id keeps a recall and its retries on one partition.
  "msg.recall": tx(object({ msgId }), "msg.recalled", (d) => `m:${d.msgId}`),
  // Keyed like recall: every change to one message runs on one partition, in order.
  "msg.edit": tx(object({ msgId, body: str({ max: 65536 }) }), "msg.edited", (d) => `m:${d.msgId}`),
  "msg.react": tx(object({ msgId, emoji, add: bool() }), "msg.reaction", (d) => `m:${d.msgId}`),
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
  /** The message's text (see content.ts); "" once recalled, and for notices. */
  body: string;
  serverTime: number;
  recalled?: true;
  /** For notices (kind "recall", "edit"): the msgId they are about. */
  ref?: string;
  /** image, voice, video, file. */
  media?: MediaRef;
  location?: Location;
  custom?: CustomContent;
  replyTo?: ReplyPreview;
  /** A copy of another message: whose it was. */
  forwarded?: { from: string };
  edited?: true;
  editedAt?: number;
  /** Kind "edit": the edited message's current body (absent once it was recalled). */
  edit?: { body: string; editedAt: number };
  /** In history and sync pages: each emoji's count and whether the reader used it. */
  reactions?: ReactionCount[];
  /** Groups: the members it mentions. */
  mentions?: string[];
  /** Groups: it mentions everyone. */
  mentionAll?: true;
  /** For kind "notice": what changed in the group. */
  notice?: GroupNotice;
  /** For kind "call": how the call went (body is ""). */
  call?: CallRecord;
}

export interface SentAck {
  clientMsgId: string;
  msgId: string;
  seq: number;
  conversationId: string;
  serverTime: number;
  /** The stored message, for every send but a plain text (no reply, not a forward). */
  message?: MessageView;
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

export interface Edited {
  conversationId: string;
  msgId: string;
  seq: number;
  by: string;
  body: string;
  editedAt: number;
  /** The seq of the edit notice (offline devices learn of the edit through it). */
  editSeq: number;
}

export interface ReactionChanged {
  conversationId: string;
  msgId: string;
  seq: number;
  by: string;
  emoji: string;
  add: boolean;
  /** How many members now react with this emoji. */
  count: number;
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
  /** Reply to msg.edit, and pushed to every member's devices. */
  "msg.edited": Edited;
  /** Reply to msg.react, and pushed to every member's devices. */
  "msg.reaction": ReactionChanged;
}
