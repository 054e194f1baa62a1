/**
 * call.record (stored lane, server-only): a call's outcome becomes a message of kind "call" in
 * its conversation, sent as the caller, so it takes a seq, reaches every member's devices (with
 * re-push) and comes back in history and sync. The gateway never accepts this type from a
 * client; an entry that came through a connection anyway is refused here too. One record per
 * call: its clientMsgId `call:<callId>` has a character client ids cannot contain.
 */
import { type CallRecord, clientFrames, ErrorCode, parseConversationId } from "@im/protocol";
import { PermanentError } from "@im/shared/errors";
import type { Entry, TxContext, TxHandler } from "../../context.ts";
import { addMembers, lockHeads, upsertHeads } from "../conversations/tables.ts";
import {
  dedupKey,
  findByClientIds,
  insertMessages,
  type StoredMessage,
} from "../messages/tables.ts";
import { toView } from "../messages/views.ts";
import { diffuse } from "../groups/fanout.ts";

type RecordEntry = Entry<"call.record">;

export const recordClientMsgId = (callId: string) => `call:${callId}`;

export const handleCallRecord: TxHandler<"call.record"> = async (ctx, entries) => {
  for (const e of entries) {
    if (e.env.gatewayId !== "" || e.env.connId !== "") {
      ctx.reject(e, new PermanentError(ErrorCode.UNKNOWN_TYPE, `unknown frame type "call.record"`));
      continue;
    }
    // Written by a worker, but a stream is a boundary: the same exact schema as any frame.
    if (!clientFrames["call.record"].data.parse(e.env.frame.data).ok) continue;
    await recordOne(ctx, e);
  }
};

async function recordOne(ctx: TxContext, e: RecordEntry) {
  const { conversationId, ...record } = e.env.frame.data;
  const conv = parseConversationId(conversationId);
  if (conv?.kind !== "direct") return;
  const clientMsgId = recordClientMsgId(record.callId);
  const prior = (await findByClientIds(ctx.tx, [{ senderId: record.caller, clientMsgId }]))
    .get(dedupKey(record.caller, clientMsgId));
  if (prior) {
    // A redelivery of the entry that stored it republishes; another copy changes nothing.
    if (prior.sourceEntry === e.id) emit(ctx, e, prior);
    return;
  }
  const heads = await lockHeads(ctx.tx, [conversationId]);
  const msg: StoredMessage = {
    msgId: ctx.nextId(),
    conversationId,
    seq: (heads.get(conversationId) ?? 0) + 1,
    senderId: record.caller,
    clientMsgId,
    kind: "call",
    body: JSON.stringify(record satisfies CallRecord),
    createdAt: ctx.now,
    sourceEntry: e.id,
  };
  await insertMessages(ctx.tx, [msg]);
  await upsertHeads(ctx.tx, [{
    id: conversationId,
    kind: "direct",
    lastSeq: msg.seq,
    lastMsgId: msg.msgId,
    at: ctx.now,
  }]);
  if (!heads.has(conversationId)) {
    // A call can be the first thing two users share: the conversation starts with it.
    await addMembers(
      ctx.tx,
      conv.members.map((userId) => ({ conversationId, userId, at: ctx.now })),
    );
  }
  await diffuse(ctx, [{ partition: e.partition, conversationId, seq: msg.seq }]);
  emit(ctx, e, msg);
}

function emit(ctx: TxContext, e: RecordEntry, m: StoredMessage) {
  const conv = parseConversationId(m.conversationId);
  if (conv?.kind !== "direct") return;
  ctx.outbox.toUsers([...conv.members], { type: "msg.new", data: toView(m) }, {
    retry: { partition: e.partition, conversationId: m.conversationId, seq: m.seq, msgId: m.msgId },
  });
}
