/**
 * Protocol v1 frames. Client frames are a discriminated union parsed once at the edge
 * (`parseClientFrame`); server frames are typed so producers cannot invent shapes.
 * docs/PROTOCOL.md documents every frame here.
 */
import { type Infer, int, list, literal, object, optional, type Schema, str } from "./schema.ts";
import { type ErrorBody, ErrorCode } from "./errors.ts";

export const PROTOCOL_VERSION = 1;

const userId = str({ min: 1, max: 20, pattern: /^[1-9][0-9]*$/ });
const msgId = str({ min: 1, max: 20, pattern: /^[1-9][0-9]*$/ });
const conversationId = str({ min: 5, max: 64, pattern: /^d:[1-9][0-9]*:[1-9][0-9]*$/ });
const seq = int({ min: 0, max: 2 ** 32 - 1 });
const clientMsgId = str({ min: 1, max: 64, pattern: /^[A-Za-z0-9_-]+$/ });
const requestId = str({ min: 1, max: 64 });

/** Data schema of each client frame type. Adding a type here forces a handler (see routing). */
export const clientDataSchemas = {
  ping: object({}),
  "msg.send": object({
    to: userId,
    clientMsgId,
    kind: literal("text"),
    // The worker enforces the configured limit (MAX_BODY_CHARS) with its own error code.
    body: str({ max: 65536 }),
    /** An id reserved for this user by ids.fetch; the server picks one when absent. */
    msgId: optional(msgId),
  }),
  /** This device has every message of the conversation up to seq (cumulative). */
  "msg.delivered": object({ conversationId, seq }),
  /** The user has read the conversation up to seq (cumulative). */
  "msg.read": object({ conversationId, seq }),
  "msg.recall": object({ msgId }),
  /** What this device missed: cursors it holds (absent conversations start at 0), paged. */
  sync: object({
    cursors: optional(list(object({ conversationId, seq }), 1000)),
    limit: optional(int({ min: 1, max: 500 })),
  }),
  history: object({
    conversationId,
    beforeSeq: optional(seq),
    afterSeq: optional(seq),
    limit: optional(int({ min: 1, max: 100 })),
  }),
  "ids.fetch": object({ count: int({ min: 1, max: 1000 }) }),
} satisfies Record<string, Schema<unknown>>;

export type ClientType = keyof typeof clientDataSchemas;
export type ClientFrame = {
  [T in ClientType]: { type: T; id?: string; data: Infer<typeof clientDataSchemas[T]> };
}[ClientType];
export type ClientFrameOf<T extends ClientType> = Extract<ClientFrame, { type: T }>;

/** Frames the gateway answers itself; every other type crosses the stream to a worker. */
export const LOCAL_TYPES = new Set<ClientType>(["ping"]);
export type BusinessFrame = Exclude<ClientFrame, { type: "ping" }>;

export type MessageKind = "text" | "recall";

export interface MessageView {
  msgId: string;
  conversationId: string;
  seq: number;
  from: string;
  to: string;
  clientMsgId: string;
  kind: MessageKind;
  /** "" once recalled, and for recall notices. */
  body: string;
  serverTime: number;
  recalled?: true;
  /** For kind "recall": the msgId it recalls. */
  ref?: string;
}

export interface ConversationState {
  conversationId: string;
  lastSeq: number;
  /** This user's own read cursor (shared by all their devices). */
  readSeq: number;
  /** The other member's cursors: my messages up to these seqs are delivered / read. */
  peerDeliveredSeq: number;
  peerReadSeq: number;
}

export interface Receipt {
  conversationId: string;
  /** Whose cursors these are. */
  by: string;
  deliveredSeq: number;
  readSeq: number;
}

export interface Recalled {
  conversationId: string;
  msgId: string;
  seq: number;
  by: string;
  recallSeq: number;
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

export type ServerFrame =
  | { type: "hello"; data: Hello }
  | { type: "pong"; id?: string; data: { serverTime: number } }
  | { type: "msg.sent"; id?: string; data: SentAck }
  | { type: "msg.new"; data: MessageView }
  | { type: "msg.offline"; data: { conversationId: string; msgId: string; seq: number } }
  | { type: "msg.recalled"; id?: string; data: Recalled }
  | { type: "receipt"; data: Receipt }
  | { type: "ok"; id?: string; data: Record<string, never> }
  | {
    type: "sync.page";
    id?: string;
    data: { conversations: Array<ConversationState & { messages: MessageView[] }>; more: boolean };
  }
  | {
    type: "history.page";
    id?: string;
    data: {
      conversationId: string;
      messages: MessageView[];
      more: boolean;
      peerDeliveredSeq: number;
      peerReadSeq: number;
    };
  }
  | { type: "ids.batch"; id?: string; data: { ids: string[] } }
  | { type: "error"; id?: string; data: ErrorBody };

export type ParseResult =
  | { ok: true; frame: ClientFrame }
  | { ok: false; id?: string; error: ErrorBody };

const envelopeSchema = object({
  type: str({ min: 1, max: 64 }),
  id: optional(requestId),
  data: optional({ parse: (v) => ({ ok: true, value: v }) } as Schema<unknown>),
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
  if (!Object.hasOwn(clientDataSchemas, type)) {
    return {
      ok: false,
      id,
      error: { code: ErrorCode.UNKNOWN_TYPE, message: `unknown frame type "${type}"` },
    };
  }
  const schema = clientDataSchemas[type as ClientType] as Schema<unknown>;
  const data = schema.parse(outer.value.data ?? {}, "data");
  if (!data.ok) return { ok: false, id, error: invalid(data.issue.path, data.issue.problem) };
  const frame = { type, data: data.value } as ClientFrame;
  if (id !== undefined) frame.id = id;
  return { ok: true, frame };
}

function invalid(path: string, problem: string): ErrorBody {
  return { code: ErrorCode.INVALID_FRAME, message: `${path || "frame"} ${problem}` };
}

/** The internal envelope a gateway writes to a partition stream. Identity lives only here. */
export interface Envelope {
  frame: BusinessFrame;
  userId: string;
  deviceId: string;
  connId: string;
  gatewayId: string;
  receivedAt: number;
  traceparent?: string;
}
