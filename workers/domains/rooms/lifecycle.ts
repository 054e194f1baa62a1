/**
 * room.create and room.close (stored): a room exists from its creation until its owner closes
 * it. The creator's `clientKey` makes a resend answer the same room. Closing tells everyone
 * present and ends their presence.
 */
import { ErrorCode, roomConversationId, type RoomInfo } from "@im/protocol";
import { PermanentError } from "@im/shared/errors";
import type { TxHandler } from "../../context.ts";
import { checkName } from "../groups/limits.ts";
import { closeRoom, insertRoom, roomByKey, roomsOf } from "./tables.ts";

export const handleRoomCreate: TxHandler<"room.create"> = async (ctx, entries) => {
  for (const e of entries) {
    const { clientKey, title } = e.env.frame.data;
    const prior = await roomByKey(ctx.tx, e.env.userId, clientKey);
    if (prior) {
      ctx.reply(e, { type: "room.info", data: prior });
      continue;
    }
    const err = checkName(title, ctx.config);
    if (err) {
      ctx.reject(e, err);
      continue;
    }
    const room: RoomInfo = {
      conversationId: roomConversationId(ctx.nextId()),
      title,
      ownerId: e.env.userId,
      createdAt: ctx.now,
      closed: false,
    };
    await insertRoom(ctx.tx, room, clientKey);
    ctx.reply(e, { type: "room.info", data: room });
  }
};

export const handleRoomClose: TxHandler<"room.close"> = async (ctx, entries) => {
  for (const e of entries) {
    const { conversationId } = e.env.frame.data;
    const room = (await roomsOf(ctx.tx, [conversationId], true)).get(conversationId);
    if (!room) {
      ctx.reject(e, new PermanentError(ErrorCode.NOT_FOUND, "no such room"));
      continue;
    }
    if (room.ownerId !== e.env.userId) {
      ctx.reject(e, new PermanentError(ErrorCode.FORBIDDEN, "only the room's owner can close it"));
      continue;
    }
    const closed = { ...room, closed: true };
    ctx.reply(e, { type: "room.info", data: closed });
    if (room.closed) continue;
    await closeRoom(ctx.tx, conversationId, ctx.now);
    ctx.outbox.toWatchers(conversationId, { type: "room.info", data: closed }, {
      exceptConnId: e.env.connId,
    });
    ctx.outbox.watch({ op: "drop", conversationId });
  }
};
