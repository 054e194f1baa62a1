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
