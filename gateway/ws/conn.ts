/**
 * One client connection: identity (from the verified token, never from a frame), liveness,
 * rate limiting and bounded outbound buffering. Closing is idempotent: Deno may fire `close`
 * twice, and several parts of the gateway may decide to close the same socket.
 */
import { CloseCode, type ServerFrame } from "@im/protocol";
import { RateLimiter } from "../ratelimit.ts";
import type { WebSocket } from "./server.ts";

const OPEN = 1; // readyState of an open socket, in ws as in the WebSocket API

export interface Identity {
  userId: string;
  deviceId: string;
  sessionId: string;
  /** Access-token expiry, epoch seconds. */
  exp: number;
}

export interface ConnLimits {
  ratePerSec: number;
  rateBurst: number;
  rateAbuse: number;
  highWaterBytes: number;
}

export class Conn {
  readonly connId = crypto.randomUUID();
  lastSeen = Date.now();
  closed = false;
  readonly limiter: RateLimiter;
  /** Stored frames are appended one at a time, in the order they arrived (see session.ts). */
  #txTail: Promise<void> = Promise.resolve();
  /** Set once a stored frame could not be appended: nothing after it on this connection is. */
  txBroken = false;

  constructor(
    readonly socket: WebSocket,
    readonly identity: Identity,
    readonly remote: string,
    private readonly limits: ConnLimits,
  ) {
    this.limiter = new RateLimiter(limits.ratePerSec, limits.rateBurst, limits.rateAbuse);
  }

  get userId() {
    return this.identity.userId;
  }
  get deviceId() {
    return this.identity.deviceId;
  }

  send(frame: ServerFrame): void {
    this.sendRaw(JSON.stringify(frame));
  }

  /** Sends pre-serialized JSON; a peer that stops reading is closed, never buffered without bound. */
  sendRaw(text: string): void {
    if (this.closed || this.socket.readyState !== OPEN) return;
    if (this.socket.bufferedAmount > this.limits.highWaterBytes) {
      this.close(CloseCode.SLOW_CONSUMER, "slow consumer: reconnect and sync");
      return;
    }
    this.socket.send(text);
  }

  /** Runs `step` after every earlier one of this connection has finished. */
  inOrder(step: () => Promise<void>): void {
    this.#txTail = this.#txTail.then(step, step);
  }

  close(code: number, reason: string): void {
    if (this.closed) return;
    this.closed = true;
    try {
      this.socket.close(code, reason);
    } catch {
      // already closing
    }
  }
}
