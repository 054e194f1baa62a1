/**
 * The wire protocol (v1) as the client sees it. The package has no runtime dependencies, so it
 * mirrors the server's shapes here; `protocol_test.ts` checks, at compile time and by running the
 * server's own parser, that these stay identical to `@im/shared/protocol`.
 */

export const PROTOCOL_VERSION = 1;
/** The subprotocol a browser offers next to `bearer.<accessToken>`. */
export const SUBPROTOCOL = "im.v1";

export type MessageKind = "text" | "recall";

export interface MessageView {
  msgId: string;
  conversationId: string;
  seq: number;
  from: string;
  to: string;
  clientMsgId: string;
  kind: MessageKind;
  /** "" once recalled. */
  body: string;
  serverTime: number;
  recalled?: boolean;
  /** On a `recall` notice: the msgId it recalls. */
  ref?: string;
}

export interface SentAck {
  clientMsgId: string;
  msgId: string;
  seq: number;
  conversationId: string;
  serverTime: number;
}

export interface Hello {
  protocol: number;
  userId: string;
  deviceId: string;
  connId: string;
  gatewayId: string;
  heartbeatSec: number;
  maxFrameBytes: number;
}

export interface Cursor {
  conversationId: string;
  seq: number;
}

export interface SyncConversation {
  conversationId: string;
  messages: MessageView[];
  peerDeliveredSeq: number;
  peerReadSeq: number;
  readSeq: number;
  lastSeq: number;
}

export interface Receipt {
  conversationId: string;
  /** Whose cursors these are: the peer, or this user (read on another device). */
  by: string;
  deliveredSeq: number;
  readSeq: number;
}

export interface OfflineNotice {
  conversationId: string;
  msgId: string;
  seq: number;
}

export interface Recalled {
  conversationId: string;
  msgId: string;
  seq: number;
  by: string;
  recallSeq: number;
}

export interface ErrorBody {
  code: number;
  message: string;
}

/** Data of each client frame type. */
export interface ClientData {
  ping: Record<string, never>;
  "msg.send": { to: string; clientMsgId: string; kind: "text"; body: string; msgId?: string };
  "msg.delivered": Cursor;
  "msg.read": Cursor;
  "msg.recall": { msgId: string };
  sync: { cursors?: Cursor[]; limit?: number };
  history: { conversationId: string; beforeSeq?: number; afterSeq?: number; limit?: number };
  "ids.fetch": { count: number };
}
export type ClientType = keyof ClientData;
export type ClientFrame = {
  [T in ClientType]: { type: T; id?: string; data: ClientData[T] };
}[ClientType];

/** Data of each server frame type. */
export interface ServerData {
  hello: Hello;
  pong: { serverTime: number };
  "msg.sent": SentAck;
  "msg.new": MessageView;
  error: ErrorBody;
  ok: Record<string, never>;
  receipt: Receipt;
  "msg.offline": OfflineNotice;
  "msg.recalled": Recalled;
  "sync.page": { conversations: SyncConversation[]; more: boolean };
  "history.page": { conversationId: string; messages: MessageView[]; more: boolean };
  "ids.batch": { ids: string[] };
}
export type ServerType = keyof ServerData;
export type ServerFrame = {
  [T in ServerType]: { type: T; id?: string; data: ServerData[T] };
}[ServerType];
export type ServerFrameOf<T extends ServerType> = Extract<ServerFrame, { type: T }>;

/** The reply each request type gets (besides `error`). */
export interface ReplyType {
  ping: "pong";
  "msg.send": "msg.sent";
  "msg.delivered": "ok";
  "msg.read": "ok";
  "msg.recall": "msg.recalled";
  sync: "sync.page";
  history: "history.page";
  "ids.fetch": "ids.batch";
}
export type ReplyData<T extends ClientType> = ServerData[ReplyType[T]];

/** The 1:1 conversation of two users, the same id whichever of them sends (as the server does). */
export function directConversationId(a: string, b: string): string {
  const [lo, hi] = BigInt(a) < BigInt(b) ? [a, b] : [b, a];
  return `d:${lo}:${hi}`;
}

/** The other member of a 1:1 conversation. */
export function peerOf(conversationId: string, me: string): string {
  const [, a, b] = conversationId.split(":");
  return a === me ? b : a;
}

const SERVER_TYPES: Record<ServerType, true> = {
  hello: true,
  pong: true,
  "msg.sent": true,
  "msg.new": true,
  error: true,
  ok: true,
  receipt: true,
  "msg.offline": true,
  "msg.recalled": true,
  "sync.page": true,
  "history.page": true,
  "ids.batch": true,
};

/**
 * Parses one server frame. The server is trusted for shapes; this only guards against text that
 * is not a frame at all, and types the SDK does not know (a newer server), which are skipped.
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
