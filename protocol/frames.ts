/**
 * Protocol v1 frames, gathered from the domain files. Client frames are a discriminated union
 * parsed once at the edge (`parseClientFrame`); server frames are typed so producers cannot
 * invent shapes. docs/PROTOCOL.md documents every frame here.
 */
import { requestId } from "./fields.ts";
import { type ErrorBody, ErrorCode } from "./errors.ts";
import { type Infer, object, optional, type Schema, str } from "./schema.ts";
import type { FrameSpec, Lane } from "./spec.ts";
import { groupFrames, type GroupServerData } from "./domains/groups.ts";
import { idFrames, type IdServerData } from "./domains/ids.ts";
import { messageFrames, type MessageServerData } from "./domains/messages.ts";
import { receiptFrames, type ReceiptServerData } from "./domains/receipts.ts";
import { searchFrames, type SearchServerData } from "./domains/search.ts";
import { roomFrames, type RoomServerData } from "./domains/rooms.ts";
import { syncFrames, type SyncServerData } from "./domains/sync.ts";
import { systemFrames, type SystemServerData } from "./domains/system.ts";
import { typingFrames, type TypingServerData } from "./domains/typing.ts";
import { friendFrames, type FriendServerData } from "./domains/friends.ts";
import { profileFrames, type ProfileServerData } from "./domains/profiles.ts";
import { inboxFrames, type InboxServerData } from "./domains/inbox.ts";
import { presenceFrames, type PresenceServerData } from "./domains/presence.ts";
import { callFrames, type CallServerData } from "./domains/calls.ts";

export const PROTOCOL_VERSION = 1;
/** The subprotocol a browser offers next to `bearer.<accessToken>`. */
export const SUBPROTOCOL = "im.v1";

/** Every client frame type: its schema, reply and lane (see spec.ts). */
export const clientFrames = {
  ...systemFrames,
  ...messageFrames,
  ...receiptFrames,
  ...syncFrames,
  ...idFrames,
  ...typingFrames,
  ...searchFrames,
  ...friendFrames,
  ...profileFrames,
  ...inboxFrames,
  ...groupFrames,
  ...roomFrames,
  ...presenceFrames,
  ...callFrames,
};

/** Every server frame type's data. */
export interface ServerData
  extends
    SystemServerData,
    MessageServerData,
    ReceiptServerData,
    SyncServerData,
    IdServerData,
    TypingServerData,
    SearchServerData,
    FriendServerData,
    ProfileServerData,
    InboxServerData,
    GroupServerData,
    RoomServerData,
    PresenceServerData,
    CallServerData {}

type Specs = typeof clientFrames;
export type ClientType = keyof Specs;
export type ClientData<T extends ClientType> = Infer<Specs[T]["data"]>;
export type ClientFrame = {
  [T in ClientType]: { type: T; id?: string; data: ClientData<T> };
}[ClientType];
export type ClientFrameOf<T extends ClientType> = Extract<ClientFrame, { type: T }>;

export type LaneOf<T extends ClientType> = Specs[T]["lane"];
/** The client frame types of one lane. */
export type TypesOf<L extends Lane> = { [T in ClientType]: LaneOf<T> extends L ? T : never }[
  ClientType
];
/** Frames that cross the streams to a worker (every lane but `local`). */
export type BusinessType = Exclude<ClientType, TypesOf<"local">>;
export type BusinessFrame = ClientFrameOf<BusinessType>;

/** The server frame type answering each client frame type (null: none, unless it fails). */
export type ReplyType<T extends ClientType> = Specs[T]["reply"];
/** Client frame types that get a reply (every lane); the others are signals or server-only. */
export type RequestType = { [T in ClientType]: ReplyType<T> extends null ? never : T }[ClientType];

export type ServerType = keyof ServerData;
export type ServerFrame = {
  [T in ServerType]: { type: T; id?: string; data: ServerData[T] };
}[ServerType];
export type ServerFrameOf<T extends ServerType> = Extract<ServerFrame, { type: T }>;
/** The data of the reply to a client frame type. */
export type ReplyData<T extends ClientType> = ReplyType<T> extends ServerType
  ? ServerData[ReplyType<T>]
  : never;

// Every entry is a well-formed spec and every reply names a server frame: checked here once.
clientFrames satisfies Record<string, Pick<FrameSpec, "lane"> & { reply: ServerType | null }>;

export function specOf<T extends ClientType>(type: T): Specs[T] {
  return clientFrames[type];
}

export type ParseResult =
  | { ok: true; frame: ClientFrame }
  | { ok: false; id?: string; error: ErrorBody };

const anything: Schema<unknown> = { parse: (v) => ({ ok: true, value: v }) };
const envelopeSchema = object({
  type: str({ min: 1, max: 64 }),
  id: optional(requestId),
  data: optional(anything),
});

/** Parses one inbound text frame. Never throws: every failure becomes a numbered error. */
export function parseClientFrame(text: string): ParseResult {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { ok: false, error: { code: ErrorCode.BAD_JSON, message: "frame is not valid JSON" } };
  }
  const outer = envelopeSchema.parse(raw);
  if (!outer.ok) {
    const id = typeof (raw as { id?: unknown })?.id === "string"
      ? ((raw as { id: string }).id.slice(0, 64))
      : undefined;
    return { ok: false, id, error: invalid(outer.issue.path, outer.issue.problem) };
  }
  const { type, id } = outer.value;
  if (!Object.hasOwn(clientFrames, type)) {
    return {
      ok: false,
      id,
      error: { code: ErrorCode.UNKNOWN_TYPE, message: `unknown frame type "${type}"` },
    };
  }
  if ((clientFrames[type as ClientType] as { internal?: true }).internal) {
    return {
      ok: false,
      id,
      error: { code: ErrorCode.UNKNOWN_TYPE, message: `unknown frame type "${type}"` },
    };
  }
  const schema = clientFrames[type as ClientType].data as Schema<unknown>;
  const data = schema.parse(outer.value.data ?? {}, "data");
  if (!data.ok) return { ok: false, id, error: invalid(data.issue.path, data.issue.problem) };
  const frame = { type, data: data.value } as ClientFrame;
  if (id !== undefined) frame.id = id;
  return { ok: true, frame };
}

function invalid(path: string, problem: string): ErrorBody {
  return { code: ErrorCode.INVALID_FRAME, message: `${path || "frame"} ${problem}` };
}

const SERVER_TYPES: Record<ServerType, true> = {
  hello: true,
  pong: true,
  ok: true,
  error: true,
  "msg.new": true,
  "msg.sent": true,
  "msg.offline": true,
  "msg.recalled": true,
  "msg.edited": true,
  "msg.reaction": true,
  receipt: true,
  "sync.page": true,
  "history.page": true,
  "ids.batch": true,
  typing: true,
  "search.page": true,
  "friend.changed": true,
  "block.changed": true,
  "friend.page": true,
  "friend.requests.page": true,
  "block.page": true,
  "profile.me": true,
  "profile.list": true,
  "conv.page": true,
  "conv.changed": true,
  "group.info": true,
  "group.ok": true,
  "group.list": true,
  "group.members": true,
  "group.requests": true,
  "group.receipts": true,
  "group.readers": true,
  "group.request": true,
  "group.declined": true,
  "room.info": true,
  "room.joined": true,
  "room.msg": true,
  presence: true,
  "call.incoming": true,
  "call.ringing": true,
  "call.accepted": true,
  "call.ended": true,
  "call.signal": true,
};

/** Every server frame type (for docs and tests). */
export const SERVER_FRAME_TYPES = Object.keys(SERVER_TYPES) as ServerType[];

/**
 * Parses one server frame (the SDK's side). The server is trusted for shapes; this only guards
 * against text that is not a frame at all, and types this version does not know (a newer
 * server), which clients must skip.
 */
export function parseServerFrame(text: string): ServerFrame | null {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof raw !== "object" || raw === null) return null;
  const { type, data } = raw as { type?: unknown; data?: unknown };
  if (typeof type !== "string" || !Object.hasOwn(SERVER_TYPES, type)) return null;
  if (typeof data !== "object" || data === null) return null;
  return raw as ServerFrame;
}
