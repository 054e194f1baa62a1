/**
 * Live rooms: an audience with no members. Joining is presence on one connection (renewed by
 * joining again within ROOM_PRESENCE_TTL_SEC), a message goes only to the connections present
 * and is never stored, and nothing is kept per member. Creating and closing a room are stored.
 */
import { roomIdSchema } from "../conversations.ts";
import { clientMsgId } from "../fields.ts";
import { object, str } from "../schema.ts";
import { ephemeral, ephemeralReply, tx, userKey } from "../spec.ts";

export const roomFrames = {
  /** A new room owned by its creator; the same `clientKey` answers the same room. */
  "room.create": tx(
    object({ clientKey: clientMsgId, title: str({ max: 1000 }) }),
    "room.info",
    (_, u) => userKey(u),
  ),
  /** The owner ends the room: nobody can join or send any more. */
  "room.close": tx(object({ conversationId: roomIdSchema }), "room.info", (d) => d.conversationId),
  /** Be present on this connection (again: renews the presence). */
  "room.join": ephemeralReply(object({ conversationId: roomIdSchema }), "room.joined"),
  "room.leave": ephemeral(object({ conversationId: roomIdSchema })),
  /** To everyone present (this connection too); only a present connection may send. */
  "room.send": ephemeral(
    object({ conversationId: roomIdSchema, clientMsgId, body: str({ max: 65536 }) }),
  ),
};

export interface RoomInfo {
  conversationId: string;
  title: string;
  ownerId: string;
  createdAt: number;
  closed: boolean;
}

export interface RoomMessage {
  conversationId: string;
  from: string;
  clientMsgId: string;
  body: string;
  serverTime: number;
}

export interface RoomServerData {
  "room.info": RoomInfo;
  /** Reply to room.join: present until `expiresInMs` unless joined again. */
  "room.joined": { conversationId: string; title: string; expiresInMs: number };
  "room.msg": RoomMessage;
}
