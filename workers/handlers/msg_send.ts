/**
 * msg.send for 1:1 text. `checkSend` is pure; `doSend` stores new messages idempotently (unique on
 * sender + clientMsgId) and takes per-conversation seqs in the batch's transaction; `emitSent`
 * queues the ack and the deliveries that go out after commit.
 */
import { directConversationId } from "@im/shared/partition";
import { ErrorCode, PermanentError } from "@im/shared/protocol";
import type { BatchContext, Entry, Handler } from "../batch.ts";
import { peerOf, toView } from "../views.ts";
import {
  dedupKey,
  findByClientIds,
  insertMessages,
  type StoredMessage,
} from "../tables/messages.ts";
import { addMembers, lockHeads, upsertHeads } from "../tables/conversations.ts";
import { existingUsers } from "../tables/users.ts";
import { consumeIds } from "../tables/reserved_ids.ts";

type SendEntry = Entry<"msg.send">;

export function checkSend(entry: SendEntry, maxBodyChars: number): PermanentError | null {
  const { userId, frame } = entry.env;
  if (frame.data.to === userId) {
    return new PermanentError(ErrorCode.SELF_MESSAGE, "you cannot send a message to yourself");
  }
  const chars = [...frame.data.body].length;
  if (chars < 1 || chars > maxBodyChars) {
    return new PermanentError(
      ErrorCode.BODY_LENGTH,
      `body must have 1 to ${maxBodyChars} characters`,
    );
  }
  return null;
}

export const handleMsgSend: Handler<"msg.send"> = async (ctx, entries) => {
  const checked: SendEntry[] = [];
  for (const e of entries) {
    const err = checkSend(e, ctx.config.maxBodyChars);
    if (err) ctx.reject(e, err);
    else checked.push(e);
  }
  const unknown = checked.map((e) => e.env.frame.data.to).filter((id) => !ctx.knownUsers.has(id));
  for (const id of await existingUsers(ctx.tx, unknown)) ctx.knownUsers.add(id);
  const valid = checked.filter((e) => {
    if (ctx.knownUsers.has(e.env.frame.data.to)) return true;
    ctx.reject(e, new PermanentError(ErrorCode.NO_SUCH_USER, "no such user"));
    return false;
  });
  const results = await doSend(ctx, valid);
  for (const [entry, msg, isNew] of results) emitSent(ctx, entry, msg, isNew);
};

/** Returns, per entry, the stored message and whether this entry's delivery must go out. */
async function doSend(
  ctx: BatchContext,
  entries: SendEntry[],
): Promise<Array<[SendEntry, StoredMessage, boolean]>> {
  const known = await findByClientIds(
    ctx.tx,
    entries.map((e) => ({ senderId: e.env.userId, clientMsgId: e.env.frame.data.clientMsgId })),
  );
  const fresh = entries.filter((e) =>
    !known.has(dedupKey(e.env.userId, e.env.frame.data.clientMsgId))
  );
  const reserved = await consumeIds(
    ctx.tx,
    fresh.filter((e) => e.env.frame.data.msgId).map((e) => ({
      msgId: e.env.frame.data.msgId!,
      userId: e.env.userId,
    })),
  );
  const convIds = [
    ...new Set(fresh.map((e) => directConversationId(e.env.userId, e.env.frame.data.to))),
  ];
  const heads = await lockHeads(ctx.tx, convIds);
  const newConvs = convIds.filter((c) => !heads.has(c));
  const rows: StoredMessage[] = [];
  const out: Array<[SendEntry, StoredMessage, boolean]> = [];
  for (const e of entries) {
    const key = dedupKey(e.env.userId, e.env.frame.data.clientMsgId);
    const prior = known.get(key);
    if (prior) {
      // A redelivery of the entry that stored it may have crashed before publishing: publish
      // again (clients drop duplicates by seq). A client resend only gets its ack back.
      out.push([e, prior, prior.sourceEntry === e.id]);
      continue;
    }
    const wantedId = e.env.frame.data.msgId;
    if (wantedId && !reserved.delete(wantedId)) {
      // Never issued, issued to someone else, or already used (also twice in this batch).
      ctx.reject(
        e,
        new PermanentError(ErrorCode.MSG_ID_INVALID, "msgId was not reserved for you or is used"),
      );
      continue;
    }
    const conversationId = directConversationId(e.env.userId, e.env.frame.data.to);
    const seq = (heads.get(conversationId) ?? 0) + 1;
    heads.set(conversationId, seq);
    const msg: StoredMessage = {
      msgId: wantedId ?? ctx.nextId(),
      conversationId,
      seq,
      senderId: e.env.userId,
      clientMsgId: e.env.frame.data.clientMsgId,
      kind: e.env.frame.data.kind,
      body: e.env.frame.data.body,
      createdAt: ctx.now,
      sourceEntry: e.id,
    };
    known.set(key, msg); // a duplicate later in this batch replays this one
    rows.push(msg);
    out.push([e, msg, true]);
  }
  const last = new Map(rows.map((m) => [m.conversationId, m]));
  await upsertHeads(
    ctx.tx,
    [...last.values()].map((m) => ({
      id: m.conversationId,
      kind: "direct",
      lastSeq: m.seq,
      lastMsgId: m.msgId,
      at: ctx.now,
    })),
  );
  await addMembers(
    ctx.tx,
    rows.filter((m) => newConvs.includes(m.conversationId)).flatMap((m) => [
      { conversationId: m.conversationId, userId: m.senderId, at: ctx.now },
      { conversationId: m.conversationId, userId: receiverOf(m), at: ctx.now },
    ]),
  );
  await insertMessages(ctx.tx, rows);
  return out;
}

const receiverOf = (m: StoredMessage) => peerOf(m.conversationId, m.senderId);

function emitSent(ctx: BatchContext, e: SendEntry, m: StoredMessage, deliver: boolean) {
  ctx.reply(e, {
    type: "msg.sent",
    data: {
      clientMsgId: m.clientMsgId,
      msgId: m.msgId,
      seq: m.seq,
      conversationId: m.conversationId,
      serverTime: m.createdAt,
    },
  });
  if (!deliver) return;
  const view = toView(m);
  const frame = JSON.stringify({ type: "msg.new", data: view });
  const retry = {
    partition: e.partition,
    conversationId: m.conversationId,
    seq: m.seq,
    msgId: m.msgId,
  };
  ctx.outbox.toUser(view.to, frame, {
    retry,
    // No device of the receiver online: the sender learns "stored offline", never "delivered".
    ifOffline: {
      userId: view.from,
      frame: JSON.stringify({
        type: "msg.offline",
        data: { conversationId: m.conversationId, msgId: m.msgId, seq: m.seq },
      }),
    },
  });
  ctx.outbox.toUser(view.from, frame, { exceptConnId: e.env.connId, retry });
}
