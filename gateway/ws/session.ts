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
  type Limits,
  parseClientFrame,
  PROTOCOL_VERSION,
  specOf,
} from "@im/protocol";
import type { Counter, CounterSeries, HistogramSeries } from "@im/shared/metrics";
import { failSpan, type Span, SpanKind, traceparentOf, type Tracing } from "@im/shared/telemetry";
import type { Conn } from "./conn.ts";
import type { Hub } from "./hub.ts";
import type { Ingest } from "../ingest.ts";
import type { UserRateLimiter } from "../user_ratelimit.ts";

export interface SessionDeps {
  hub: Hub;
  ingest: Ingest;
  log: Logger;
  maxFrameBytes: number;
  heartbeatSec: number;
  /** Announced in `hello`; the workers enforce them. */
  limits: Limits;
  framesIn: Counter;
  errorsOut: Counter;
  /** Per-type limits beyond the rate limit (typing); an error refuses the frame. */
  gate?: (conn: Conn, frame: BusinessFrame) => ErrorBody | null;
  /** The user's frame rate across gateways (beside the connection's own bucket). */
  userLimit?: UserRateLimiter;
  /** Frames refused RATE_LIMITED, by scope. */
  rateLimited?: { conn: CounterSeries; user: CounterSeries };
  /** The ingest hop of stored frames: received to appended (INSTRUMENT). */
  ingestHop?: HistogramSeries;
  /** Starts a trace per inbound frame when Deno's OpenTelemetry is on. */
  tracing?: Tracing;
  /** Closed connections by close code (bounded: unknown codes count as "other"). */
  disconnects?: Counter;
}

const KNOWN_CLOSE_CODES = new Set<number>(Object.values(CloseCode));

/** Ends a frame's span, if it has one; returns the log fields of a failure, with its trace. */
function endFrame(span: Span | null, err?: unknown): Record<string, unknown> {
  if (!span) return { err };
  if (err) failSpan(span, err);
  span.end();
  return { err, traceId: span.spanContext().traceId };
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
    d.errorsOut.one(String(error.code)).inc();
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
          limits: d.limits,
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
    const receivedPerf = performance.now();
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
      d.rateLimited?.conn.inc();
      return sendError({ code: ErrorCode.RATE_LIMITED, message: "too many frames: slow down" });
    }
    if (d.userLimit && !d.userLimit.take(conn.userId)) {
      d.rateLimited?.user.inc();
      return sendError({
        code: ErrorCode.RATE_LIMITED,
        message: "too many frames from this user's devices: slow down",
      });
    }
    const parsed = parseClientFrame(ev.data);
    if (!parsed.ok) {
      log.info("invalid frame", { code: parsed.error.code });
      return sendError(parsed.error, parsed.id);
    }
    const frame = parsed.frame;
    d.framesIn.one(frame.type).inc();
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
    const span = d.tracing?.root(`im.frame ${frame.type}`, {
      kind: SpanKind.SERVER,
      attributes: { "im.frame.type": frame.type, "im.gateway": d.hub.gatewayId },
    }) ?? null;
    const traceparent = span ? traceparentOf(span) : undefined;
    const receivedAt = conn.lastSeen; // the wall clock at receipt, compared by the worker
    if (specOf(frame.type).lane !== "tx") {
      const appended = d.ingest.submit(conn, frame as BusinessFrame, traceparent, receivedAt);
      if (span) appended.then(() => span.end(), () => {});
      return void appended.catch((err) => {
        log.error("could not enqueue frame", endFrame(span, err));
        unavailable();
      });
    }
    // Stored frames keep their order: one append at a time per connection, and once one fails
    // nothing after it is appended (a later one must never get the smaller seq). The client
    // reconnects and resends what was not acknowledged, in order (docs/PROTOCOL.md).
    conn.inOrder(async () => {
      if (conn.txBroken) {
        endFrame(span);
        return unavailable();
      }
      try {
        await d.ingest.submit(conn, frame as BusinessFrame, traceparent, receivedAt);
        d.ingestHop?.observe((performance.now() - receivedPerf) / 1000);
        endFrame(span);
      } catch (err) {
        log.error(
          "could not enqueue frame; closing so the client resends in order",
          endFrame(span, err),
        );
        conn.txBroken = true;
        unavailable();
        conn.close(CloseCode.STORE_UNAVAILABLE, "store unavailable: reconnect and resend in order");
      }
    });
  };

  let counted = false;
  conn.socket.onclose = (ev) => {
    conn.closed = true;
    if (!counted) {
      d.disconnects?.one(KNOWN_CLOSE_CODES.has(ev.code) ? String(ev.code) : "other").inc();
    }
    counted = true; // close can fire twice
    d.hub.remove(conn).catch((err) => log.warn("route removal failed", { err }));
    log.info("disconnected", { code: ev.code });
  };
  conn.socket.onerror = () => {};
}
