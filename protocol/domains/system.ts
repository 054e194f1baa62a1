/** Connection-level frames: the greeting, heartbeats, and the generic replies. */
import type { ErrorBody } from "../errors.ts";
import { object } from "../schema.ts";
import { local } from "../spec.ts";

export const systemFrames = {
  ping: local(object({}), "pong"),
};

export interface Hello {
  protocol: number;
  userId: string;
  deviceId: string;
  connId: string;
  gatewayId: string;
  heartbeatSec: number;
  maxFrameBytes: number;
  /** This server's content limits, so apps can say "too long" before sending, never cut. */
  limits: Limits;
}

/** Limits a client checks against before the server refuses (the server still checks). */
export interface Limits {
  /** MAX_BODY_CHARS: the longest text body, counted in Unicode code points (`[...body].length`). */
  maxBodyChars: number;
  /** RECALL_WINDOW_SEC: how long after sending a message may be recalled. */
  recallWindowSec: number;
  /** EDIT_WINDOW_SEC: how long after sending a message may be edited. */
  editWindowSec: number;
}

export interface SystemServerData {
  /** The first frame on every connection. */
  hello: Hello;
  pong: { serverTime: number };
  /** A request succeeded and has nothing else to say. */
  ok: Record<string, never>;
  /** A request failed (carrying its id), or a frame could not be read. */
  error: ErrorBody;
}
