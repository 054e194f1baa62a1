/**
 * msg.recall: only the sender (in a group also its owner and admins), only within
 * RECALL_WINDOW_SEC. The content is erased from the
 * stored row (so nothing the server returns later carries it) and a recall notice takes the
 * next seq of the conversation, so devices that were offline learn it through sync.
 */
import { ErrorCode, isNotice, parseConversationId, type Recalled } from "@im/protocol";
import { PermanentError } from "@im/shared/errors";
import type { Entry, TxContext, TxHandler } from "../../context.ts";
import { lockHeads, upsertHeads } from "../conversations/tables.ts";
import { diffuse, fanOut } from "../groups/fanout.ts";
import { actorRights } from "../groups/sending.ts";
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

/**
 * Pure: `members` are the user ids of the message's conversation (at least the actor's, if a
 * member); a `moderator` (a group's owner or admin) may recall others' messages.
 */
export function checkRecall(
  m: StoredMessage | null,
  userId: string,
  members: string[],
  now: number,
  windowSec: number,
  moderator = false,
): PermanentError | null {
  // Any message but a notice (recall, edit, a group's notice) or a call's record, which the
  // server wrote: nobody's to recall.
  if (!m || !members.includes(userId) || isNotice(m.kind) || m.kind === "call") {
    return new PermanentError(ErrorCode.NOT_FOUND, "no such message");
  }
  if (m.senderId !== userId && !moderator) {
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
  const rights = m ? await actorRights(ctx, m.conversationId, e.env.userId) : null;
  if (rights instanceof PermanentError) return ctx.reject(e, rights);
  const { members = [], moderator = false } = rights ?? {};
  const err = checkRecall(m, e.env.userId, members, ctx.now, ctx.config.recallWindowSec, moderator);
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
  await diffuse(ctx, [{
    partition: e.partition,
    conversationId: notice.conversationId,
    seq: notice.seq,
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
  await fanOut(ctx, m.conversationId, { type: "msg.recalled", data }, {
    exceptConnId: e.env.connId,
  });
}
