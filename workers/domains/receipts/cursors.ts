/**
 * msg.delivered and msg.read: cumulative cursors per member (read implies delivered), receipts
 * to the other members' devices (and, for read, to the reader's other devices), and the device's
 * own delivery cursor that stops re-pushes. Cursors only move forward: a late "delivered" after
 * "read" changes nothing. A message's status is derived from them, never stored twice.
 */
import { ErrorCode, type ServerFrame } from "@im/protocol";
import { PermanentError } from "@im/shared/errors";
import type { Entry, TxContext, TxHandler } from "../../context.ts";
import {
  membersOf,
  type MemberState,
  raiseCursors,
  visibleLastSeq,
} from "../conversations/tables.ts";

type CursorEntry = Entry<"msg.delivered"> | Entry<"msg.read">;

export function checkCursor(me: MemberState | undefined, seq: number): PermanentError | null {
  if (!me) return new PermanentError(ErrorCode.NOT_FOUND, "no such conversation");
  const last = visibleLastSeq(me);
  if (seq > last) {
    return new PermanentError(
      ErrorCode.CURSOR_INVALID,
      `seq ${seq} is beyond the last message (${last})`,
    );
  }
  return null;
}

async function applyCursors(ctx: TxContext, entries: CursorEntry[]) {
  const convIds = [...new Set(entries.map((e) => e.env.frame.data.conversationId))];
  const members = await membersOf(ctx.tx, convIds, true);
  const find = (c: string, u: string) =>
    members.find((m) => m.conversationId === c && m.userId === u);
  const before = new Map<MemberState, { readSeq: number; deliveredSeq: number }>();
  const readers = new Map<MemberState, string>(); // member -> connection that read (for own devices)
  for (const e of entries) {
    const { conversationId, seq } = e.env.frame.data;
    const me = find(conversationId, e.env.userId);
    const err = checkCursor(me, seq);
    if (err) {
      ctx.reject(e, err);
      continue;
    }
    if (!before.has(me!)) before.set(me!, { readSeq: me!.readSeq, deliveredSeq: me!.deliveredSeq });
    if (e.env.frame.type === "msg.read") {
      if (seq > me!.readSeq) readers.set(me!, e.env.connId);
      me!.readSeq = Math.max(me!.readSeq, seq);
    }
    me!.deliveredSeq = Math.max(me!.deliveredSeq, seq, me!.readSeq);
    ctx.outbox.ackDevice({ userId: e.env.userId, deviceId: e.env.deviceId, conversationId, seq });
    ctx.reply(e, { type: "ok", data: {} });
  }
  const moved = [...before].filter(([me, prev]) =>
    me.readSeq !== prev.readSeq || me.deliveredSeq !== prev.deliveredSeq
  ).map(([me]) => me);
  // One statement per batch, whatever the number of conversations acked.
  await raiseCursors(ctx.tx, moved);
  for (const me of moved) {
    const receipt: ServerFrame = {
      type: "receipt",
      data: {
        conversationId: me.conversationId,
        by: me.userId,
        deliveredSeq: me.deliveredSeq,
        readSeq: me.readSeq,
      },
    };
    const others = members.filter((m) =>
      m.conversationId === me.conversationId && m !== me && m.leftSeq === null
    );
    ctx.outbox.toUsers(others.map((m) => m.userId), receipt);
    const readerConn = readers.get(me);
    if (readerConn) ctx.outbox.toUser(me.userId, receipt, { exceptConnId: readerConn });
  }
}

export const handleDelivered: TxHandler<"msg.delivered"> = (ctx, entries) =>
  applyCursors(ctx, entries);
export const handleRead: TxHandler<"msg.read"> = (ctx, entries) => applyCursors(ctx, entries);
