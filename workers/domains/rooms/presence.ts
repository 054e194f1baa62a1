/**
 * Being in a live room (ephemeral: no transaction, nothing stored per member). Joining is
 * presence on one connection, renewed by joining again within ROOM_PRESENCE_TTL_SEC; a message
 * goes to the connections present at that moment and is gone after. Each read of the lane costs
 * one query for the rooms it names and one Redis pipeline, however many join at once.
 */
import { ErrorCode, type ServerFrame } from "@im/protocol";
import { PermanentError } from "@im/shared/errors";
import type { Envelope } from "@im/shared/wire";
import type { Entry, EphemeralContext, EphemeralHandler } from "../../context.ts";
import { checkBody } from "../messages/send.ts";
import { roomsOf } from "./tables.ts";

type RoomEntry = Entry<"room.join"> | Entry<"room.send">;

/** The open room each entry names, or why not (answered to the entry). */
async function openRooms<E extends RoomEntry>(ctx: EphemeralContext, entries: E[]) {
  const rooms = await roomsOf(ctx.db, entries.map((e) => e.env.frame.data.conversationId));
  const ok: Array<[E, { title: string }]> = [];
  for (const e of entries) {
    const room = rooms.get(e.env.frame.data.conversationId);
    if (!room) ctx.reject(e, new PermanentError(ErrorCode.NOT_FOUND, "no such room"));
    else if (room.closed) {
      ctx.reject(e, new PermanentError(ErrorCode.ROOM_CLOSED, "the room is closed"));
    } else ok.push([e, room]);
  }
  return ok;
}

const target = (e: { env: Envelope }) => ({
  userId: e.env.userId,
  gatewayId: e.env.gatewayId,
  connId: e.env.connId,
});

export const handleRoomJoin: EphemeralHandler<"room.join"> = async (ctx, entries) => {
  const ttlMs = ctx.config.roomPresenceTtlSec * 1000;
  for (const [e, room] of await openRooms(ctx, entries)) {
    const { conversationId } = e.env.frame.data;
    ctx.outbox.watch({ op: "watch", conversationId, target: target(e), ttlMs });
    ctx.reply(e, {
      type: "room.joined",
      data: { conversationId, title: room.title, expiresInMs: ttlMs },
    });
  }
};

export const handleRoomLeave: EphemeralHandler<"room.leave"> = (ctx, entries) => {
  for (const e of entries) {
    ctx.outbox.watch({
      op: "leave",
      conversationId: e.env.frame.data.conversationId,
      target: target(e),
    });
  }
  return Promise.resolve();
};

export const handleRoomSend: EphemeralHandler<"room.send"> = async (ctx, entries) => {
  const sized = entries.filter((e) => {
    const err = checkBody(e.env.frame.data.body, ctx.config.maxBodyChars);
    if (err) ctx.reject(e, err);
    return !err;
  });
  for (const [e] of await openRooms(ctx, sized)) {
    const { conversationId, clientMsgId, body } = e.env.frame.data;
    const notPresent: ServerFrame = {
      type: "error",
      ...(e.env.frame.id !== undefined ? { id: e.env.frame.id } : {}),
      data: { code: ErrorCode.NOT_IN_ROOM, message: "join the room before sending to it" },
    };
    ctx.outbox.toWatchers(conversationId, {
      type: "room.msg",
      data: { conversationId, from: e.env.userId, clientMsgId, body, serverTime: ctx.now },
    }, { requireWatcher: target(e), otherwise: notPresent });
  }
};
