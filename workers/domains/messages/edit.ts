/**
 * msg.edit: only the sender, only within EDIT_WINDOW_SEC, only kinds with a text of their own
 * (text, and the captions of images, videos and files; not forwards). The new text replaces the
 * old in place (`messages.body`, which search indexes; `edited_at` marks it), so the message
 * keeps its seq; an edit notice takes the next seq, as a recall's does, so devices offline at the
 * time learn of it through sync (the notice's view carries the message's current text).
 */
import { EDITABLE_KINDS, type Edited, ErrorCode, parseConversationId } from "@im/protocol";
import { PermanentError } from "@im/shared/errors";
import type { Entry, TxContext, TxHandler } from "../../context.ts";
import { lockHeads, upsertHeads } from "../conversations/tables.ts";
import { checkBodyLength } from "./drafts.ts";
import { reindexMessages } from "../search/outbox.ts";
import {
  dedupKey,
  findByClientIds,
  findById,
  insertMessages,
  type StoredMessage,
  updateBody,
} from "./tables.ts";

type EditEntry = Entry<"msg.edit">;

/** Pure: `members` are the user ids of the message's conversation. */
export function checkEdit(
  m: StoredMessage | null,
  userId: string,
  members: string[],
  now: number,
  windowSec: number,
): PermanentError | null {
  if (!m || !members.includes(userId) || m.kind === "recall" || m.kind === "edit") {
    return new PermanentError(ErrorCode.NOT_FOUND, "no such message");
  }
  if (m.senderId !== userId) {
    return new PermanentError(ErrorCode.NOT_SENDER, "only the sender can edit a message");
  }
  if (m.recalledAt) {
    return new PermanentError(ErrorCode.ALREADY_RECALLED, "message was recalled");
  }
  if (!(EDITABLE_KINDS as string[]).includes(m.kind) || m.content?.forwarded) {
    return new PermanentError(
      ErrorCode.EDIT_NOT_ALLOWED,
      `a ${m.content?.forwarded ? "forwarded message" : m.kind} cannot be edited`,
    );
  }
  if (now - m.createdAt > windowSec * 1000) {
    return new PermanentError(
      ErrorCode.EDIT_WINDOW,
      `messages can only be edited within ${windowSec} s`,
    );
  }
  return null;
}

// One notice per edit: the stream entry id names it, so a redelivery finds its own notice.
const noticeId = (entryId: string) => `edit-${entryId}`;

export const handleEdit: TxHandler<"msg.edit"> = async (ctx, entries) => {
  for (const e of entries) await editOne(ctx, e);
};

async function editOne(ctx: TxContext, e: EditEntry) {
  const { msgId, body } = e.env.frame.data;
  const m = await findById(ctx.tx, msgId);
  const prior = (await findByClientIds(ctx.tx, [{
    senderId: e.env.userId,
    clientMsgId: noticeId(e.id),
  }])).get(dedupKey(e.env.userId, noticeId(e.id)));
  if (m && prior) return emitEdited(ctx, e, m, prior); // redelivery: m holds the edit already
  const members = m ? await ctx.members.ofOne(m.conversationId) : [];
  const err = checkEdit(m, e.env.userId, members, ctx.now, ctx.config.editWindowSec) ??
    checkBodyLength(body, m!.kind === "text" ? 1 : 0, ctx.config.maxBodyChars);
  if (err) return ctx.reject(e, err);
  const heads = await lockHeads(ctx.tx, [m!.conversationId]);
  const notice: StoredMessage = {
    msgId: ctx.nextId(),
    conversationId: m!.conversationId,
    seq: (heads.get(m!.conversationId) ?? 0) + 1,
    senderId: e.env.userId,
    clientMsgId: noticeId(e.id),
    kind: "edit",
    body: "", // the text lives in the message itself: search finds it once
    createdAt: ctx.now,
    sourceEntry: e.id,
    refMsgId: msgId,
  };
  await updateBody(ctx.tx, msgId, body, ctx.now);
  await insertMessages(ctx.tx, [notice]);
  await reindexMessages(ctx, [msgId]); // search finds the new text only
  await upsertHeads(ctx.tx, [{
    id: notice.conversationId,
    kind: parseConversationId(notice.conversationId)!.kind,
    lastSeq: notice.seq,
    lastMsgId: notice.msgId,
    at: ctx.now,
  }]);
  await emitEdited(ctx, e, { ...m!, body, editedAt: ctx.now }, notice);
}

async function emitEdited(ctx: TxContext, e: EditEntry, m: StoredMessage, notice: StoredMessage) {
  const data: Edited = {
    conversationId: m.conversationId,
    msgId: m.msgId,
    seq: m.seq,
    by: e.env.userId,
    body: m.body,
    editedAt: m.editedAt ?? notice.createdAt,
    editSeq: notice.seq,
  };
  ctx.reply(e, { type: "msg.edited", data });
  const members = await ctx.members.ofOne(m.conversationId);
  ctx.outbox.toUsers(members, { type: "msg.edited", data }, { exceptConnId: e.env.connId });
}
