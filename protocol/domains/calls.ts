/**
 * Audio/video call signaling for WebRTC (direct conversations). Every client frame is ephemeral:
 * call state lives in Redis, moved by one atomic script per transition; only the outcome is
 * stored, as a `call` message (the server-only `call.record` frame on the stored lane). The
 * state diagram is in docs/PROTOCOL.md ("Calls").
 */
import { conversationIdSchema } from "../conversations.ts";
import { userId } from "../fields.ts";
import { int, literal, object, optional, str } from "../schema.ts";
import { ephemeral, internalTx } from "../spec.ts";

/** Chosen by the caller (a UUID will do): it names the call in every later frame. */
export const callIdSchema = str({ min: 8, max: 48, pattern: /^[A-Za-z0-9_-]+$/ });
export type CallMedia = "audio" | "video";
const media = literal<CallMedia>("audio", "video");
const call = object({ callId: callIdSchema });

/** An SDP offer or answer (RTCSessionDescriptionInit). */
const sdp = object({ type: literal("offer", "answer"), sdp: str({ min: 1, max: 32_000 }) });
/** An ICE candidate (RTCIceCandidateInit; null fields left out). `candidate: ""` ends the list. */
const candidate = object({
  candidate: str({ max: 2048 }),
  sdpMid: optional(str({ max: 64 })),
  sdpMLineIndex: optional(int({ min: 0, max: 1024 })),
  usernameFragment: optional(str({ max: 256 })),
});
const signal = object(
  { callId: callIdSchema, sdp: optional(sdp), candidate: optional(candidate) },
  (d) =>
    (d.sdp === undefined) === (d.candidate === undefined)
      ? "needs exactly one of sdp and candidate"
      : null,
);

export type CallOutcome = "missed" | "rejected" | "busy" | "finished";
export type CallEndReason =
  | "rejected"
  | "cancelled"
  | "timeout"
  | "hangup"
  | "dropped"
  | "busy"
  | "answered_elsewhere"
  | "limit";

/** The stored outcome of a call: the `call` field of a message of kind "call". */
export interface CallRecord {
  callId: string;
  media: CallMedia;
  outcome: CallOutcome;
  reason: CallEndReason;
  caller: string;
  callee: string;
  startedAt: number;
  answeredAt?: number;
  endedAt: number;
  /** From answer to end; 0 for a call never answered. */
  durationMs: number;
}

const ms = int({ min: 0, max: Number.MAX_SAFE_INTEGER });
const recordData = object({
  conversationId: conversationIdSchema,
  callId: callIdSchema,
  media,
  outcome: literal<CallOutcome>("missed", "rejected", "busy", "finished"),
  reason: literal<CallEndReason>(
    "rejected",
    "cancelled",
    "timeout",
    "hangup",
    "dropped",
    "busy",
    "answered_elsewhere",
    "limit",
  ),
  caller: userId,
  callee: userId,
  startedAt: ms,
  answeredAt: optional(ms),
  endedAt: ms,
  durationMs: ms,
});

export const callFrames = {
  /** Ring the other member of a direct conversation on every device. */
  "call.invite": ephemeral(
    object({ callId: callIdSchema, conversationId: conversationIdSchema, media }),
    "call.ringing",
  ),
  /** Answer on this device: the callee's other devices stop ringing. */
  "call.accept": ephemeral(call, "call.accepted"),
  /** The callee declines a ringing call (from any of their devices). */
  "call.reject": ephemeral(call, "call.ended"),
  /** The caller gives up before an answer. */
  "call.cancel": ephemeral(call, "call.ended"),
  /** Either device in an answered call ends it. */
  "call.hangup": ephemeral(call, "call.ended"),
  /** SDP or ICE for the other device of an answered call; relayed, never stored. */
  "call.signal": ephemeral(signal),
  /** Server-only: stores a call's outcome as a message of its conversation. */
  "call.record": internalTx(recordData, (d) => d.conversationId),
};

/** RTCIceServer as the server publishes it (ICE_SERVERS; TURN credentials minted per user). */
export interface IceServer {
  urls: string[];
  username?: string;
  credential?: string;
}

interface CallBase {
  callId: string;
  conversationId: string;
}

export interface IncomingCall extends CallBase {
  from: string;
  media: CallMedia;
  iceServers: IceServer[];
  /** It stops ringing after this long (CALL_RING_SEC) unless answered. */
  expiresInMs: number;
}

export interface RingingCall extends CallBase {
  to: string;
  media: CallMedia;
  iceServers: IceServer[];
  expiresInMs: number;
}

export interface AcceptedCall extends CallBase {
  /** Who answered (the callee). */
  by: string;
}

export interface EndedCall extends CallBase {
  reason: CallEndReason;
  /** Who ended it, when a user did. */
  by?: string;
  durationMs: number;
}

export interface CallSignal extends CallBase {
  from: string;
  sdp?: { type: "offer" | "answer"; sdp: string };
  candidate?: {
    candidate: string;
    sdpMid?: string;
    sdpMLineIndex?: number;
    usernameFragment?: string;
  };
}

export interface CallServerData {
  /** To every device of the callee: ring. */
  "call.incoming": IncomingCall;
  /** Reply to call.invite: the callee's devices are ringing. */
  "call.ringing": RingingCall;
  /** Reply to call.accept, and to the caller's device: the call is on; start SDP. */
  "call.accepted": AcceptedCall;
  /** Reply to reject/cancel/hangup, and to each device still involved: the call is over. */
  "call.ended": EndedCall;
  /** Relayed SDP or ICE from the other device of the call. */
  "call.signal": CallSignal;
}
