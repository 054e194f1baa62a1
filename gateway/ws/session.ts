/**
 * What happens on an open socket: hello, then each inbound frame is size-capped, rate-limited,
 * parsed once against the shared schema, and either answered here (ping) or submitted to its
 * partition stream. Bad input gets a numbered error frame and the connection stays open.
 */
import type { Logger } from "@im/shared/log";
import {
  type BusinessFrame,
  CloseCode,
  type ErrorBody,
  ErrorCode,
  parseClientFrame,
  PROTOCOL_VERSION,
  specOf,
} from "@im/protocol";
import type { Counter } from "@im/shared/metrics";
import type { Conn } from "./conn.ts";
import type { Hub } from "./hub.ts";
import type { Ingest } from "../ingest.ts";

export interface SessionDeps {
  hub: Hub;
  ingest: Ingest;
  log: Logger;
  maxFrameBytes: number;
  heartbeatSec: number;
  framesIn: Counter;
  errorsOut: Counter;
  /** Per-type limits beyond the rate limit (typing); an error refuses the frame. */
  gate?: (conn: Conn, frame: BusinessFrame) => ErrorBody | null;
}

const encoder = new TextEncoder();

export function byteLength(text: string, cap: number): number {
  // Characters never outnumber UTF-8 bytes, and each takes at most 3: skip encoding when safe.
  if (text.length > cap) return text.length;
  if (text.length * 3 <= cap) return text.length;
  return encoder.encode(text).length;
}

export function attachSession(conn: Conn, d: SessionDeps): void {
  const log = d.log.child({ userId: conn.userId, deviceId: conn.deviceId, connId: conn.connId });
  const sendError = (error: ErrorBody, id?: string) => {
    d.errorsOut.inc({ code: String(error.code) });
    conn.send({ type: "error", ...(id ? { id } : {}), data: error });
  };

  conn.socket.onopen = () => {
    d.hub.add(conn).then(() => {
      if (conn.closed) return void d.hub.remove(conn);
      conn.send({
        type: "hello",
        data: {
          protocol: PROTOCOL_VERSION,
          userId: conn.userId,
          deviceId: conn.deviceId,
          connId: conn.connId,
          gatewayId: d.hub.gatewayId,
          heartbeatSec: d.heartbeatSec,
          maxFrameBytes: d.maxFrameBytes,
        },
      });
      log.info("connected", { remote: conn.remote });
    }).catch((err) => {
      log.error("could not register route", { err });
      conn.close(CloseCode.DRAINING, "gateway unavailable: reconnect");
    });
  };

  conn.socket.onmessage = (ev) => {
    if (conn.closed) return; // ws goes on reading after a close until the peer answers it
    conn.lastSeen = Date.now();
    if (typeof ev.data !== "string") {
      return sendError({
        code: ErrorCode.BINARY_UNSUPPORTED,
        message: "only text frames are accepted",
      });
    }
    if (byteLength(ev.data, d.maxFrameBytes) > d.maxFrameBytes) {
      log.warn("frame too big", { chars: ev.data.length });
      return conn.close(CloseCode.TOO_BIG, `frame exceeds ${d.maxFrameBytes} bytes`);
    }
    const verdict = conn.limiter.take();
    if (verdict === "abuse") {
      log.warn("rate limit abuse: closing");
      return conn.close(CloseCode.ABUSE, "rate limit exceeded repeatedly");
    }
    if (verdict === "limited") {
      return sendError({ code: ErrorCode.RATE_LIMITED, message: "too many frames: slow down" });
    }
    const parsed = parseClientFrame(ev.data);
    if (!parsed.ok) {
      log.info("invalid frame", { code: parsed.error.code });
      return sendError(parsed.error, parsed.id);
    }
    const frame = parsed.frame;
    d.framesIn.inc({ type: frame.type });
    if (specOf(frame.type).lane === "local") {
      return conn.send({
        type: "pong",
        ...(frame.id ? { id: frame.id } : {}),
        data: { serverTime: Date.now() },
      });
    }
    const refused = d.gate?.(conn, frame as BusinessFrame);
    if (refused) return sendError(refused, frame.id);
    const unavailable = () =>
      sendError(
        { code: ErrorCode.UNAVAILABLE, message: "temporarily unavailable: retry" },
        frame.id,
      );
    if (specOf(frame.type).lane !== "tx") {
      return void d.ingest.submit(conn, frame as BusinessFrame).catch((err) => {
        log.error("could not enqueue frame", { err });
        unavailable();
      });
    }
    // Stored frames keep their order: one append at a time per connection, and once one fails
    // nothing after it is appended (a later one must never get the smaller seq). The client
    // reconnects and resends what was not acknowledged, in order (docs/PROTOCOL.md).
    conn.inOrder(async () => {
      if (conn.txBroken) return unavailable();
      try {
        await d.ingest.submit(conn, frame as BusinessFrame);
      } catch (err) {
        log.error("could not enqueue frame; closing so the client resends in order", { err });
        conn.txBroken = true;
        unavailable();
        conn.close(CloseCode.STORE_UNAVAILABLE, "store unavailable: reconnect and resend in order");
      }
    });
  };

  conn.socket.onclose = (ev) => {
    conn.closed = true;
    d.hub.remove(conn).catch((err) => log.warn("route removal failed", { err }));
    log.info("disconnected", { code: ev.code });
  };
  conn.socket.onerror = () => {};
}
