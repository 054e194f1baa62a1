/**
 * msg.recall: only the sender, only within RECALL_WINDOW_SEC. The content is erased from the
 * stored row (so nothing the server returns later carries it) and a recall notice takes the
 * next seq of the conversation, so devices that were offline learn it through sync.
 */
import { ErrorCode, parseConversationId, type Recalled } from "@im/protocol";
import { PermanentError } from "@im/shared/errors";
import type { Entry, TxContext, TxHandler } from "../../context.ts";
import { lockHeads, upsertHeads } from "../conversations/tables.ts";
import {
  dedupKey,
  findByClientIds,
  findById,
  insertMessages,
  markRecalled,
  type StoredMessage,
} from "./tables.ts";
import { reindexMessages } from "../search/outbox.ts";

type RecallEntry = Entry<"msg.recall">;

/** Pure: `members` are the user ids of the message's conversation. */
export function checkRecall(
  m: StoredMessage | null,
  userId: string,
  members: string[],
  now: number,
  windowSec: number,
): PermanentError | null {
  // Any message but a notice (a recall or edit notice is not something to recall).
  if (!m || !members.includes(userId) || m.kind === "recall" || m.kind === "edit") {
    return new PermanentError(ErrorCode.NOT_FOUND, "no such message");
  }
  if (m.senderId !== userId) {
    return new PermanentError(ErrorCode.NOT_SENDER, "only the sender can recall a message");
  }
  if (m.recalledAt) {
    return new PermanentError(ErrorCode.ALREADY_RECALLED, "message already recalled");
  }
  if (now - m.createdAt > windowSec * 1000) {
    return new PermanentError(
      ErrorCode.RECALL_WINDOW,
      `messages can only be recalled within ${windowSec} s`,
    );
  }
  return null;
}

const noticeId = (msgId: string) => `recall-${msgId}`;

export const handleRecall: TxHandler<"msg.recall"> = async (ctx, entries) => {
  for (const e of entries) await recallOne(ctx, e);
};

async function recallOne(ctx: TxContext, e: RecallEntry) {
  const { msgId } = e.env.frame.data;
  const m = await findById(ctx.tx, msgId);
  const prior =
    (await findByClientIds(ctx.tx, [{ senderId: e.env.userId, clientMsgId: noticeId(msgId) }]))
      .get(dedupKey(e.env.userId, noticeId(msgId)));
  if (m && prior && prior.sourceEntry === e.id) return emitRecalled(ctx, e, m, prior); // redelivery
  const members = m ? await ctx.members.ofOne(m.conversationId) : [];
  const err = checkRecall(m, e.env.userId, members, ctx.now, ctx.config.recallWindowSec);
  if (err) return ctx.reject(e, err);
  const heads = await lockHeads(ctx.tx, [m!.conversationId]);
  const notice: StoredMessage = {
    msgId: ctx.nextId(),
    conversationId: m!.conversationId,
    seq: (heads.get(m!.conversationId) ?? 0) + 1,
    senderId: e.env.userId,
    clientMsgId: noticeId(msgId),
    kind: "recall",
    body: "",
    createdAt: ctx.now,
    sourceEntry: e.id,
    refMsgId: msgId,
  };
  await markRecalled(ctx.tx, msgId, ctx.now);
  await reindexMessages(ctx, [msgId]);
  await insertMessages(ctx.tx, [notice]);
  await upsertHeads(ctx.tx, [{
    id: notice.conversationId,
    kind: parseConversationId(notice.conversationId)!.kind,
    lastSeq: notice.seq,
    lastMsgId: notice.msgId,
    at: ctx.now,
  }]);
  await emitRecalled(ctx, e, m!, notice);
}

async function emitRecalled(
  ctx: TxContext,
  e: RecallEntry,
  m: StoredMessage,
  notice: StoredMessage,
) {
  const data: Recalled = {
    conversationId: m.conversationId,
    msgId: m.msgId,
    seq: m.seq,
    by: e.env.userId,
    recallSeq: notice.seq,
  };
  ctx.reply(e, { type: "msg.recalled", data });
  const members = await ctx.members.ofOne(m.conversationId);
  ctx.outbox.toUsers(members, { type: "msg.recalled", data }, { exceptConnId: e.env.connId });
}
