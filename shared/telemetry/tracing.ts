/**
 * Traces across the stream hop, on Deno's built-in OpenTelemetry: with `OTEL_DENO=true` (a config
 * field, read by Deno itself at start-up) Deno registers its tracer provider and the W3C
 * propagator behind `@opentelemetry/api` and exports OTLP to `OTEL_EXPORTER_OTLP_ENDPOINT`.
 * Without it every function here returns null at once: the hot path pays one test per frame.
 *
 * One trace per inbound frame: the gateway starts it (a new root, never the upgrade request's
 * span), the `traceparent` rides in the envelope to the worker and back in the result entry
 * (shared/wire/results.ts), and every process adds its spans under it.
 */
import {
  type Attributes,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
  type Tracer,
} from "@opentelemetry/api";
import type { Logger } from "../log.ts";

export type { Span };
export { SpanKind };

export interface SpanOptions {
  kind?: SpanKind;
  /** Epoch ms (may be fractional); default now. */
  startTime?: number;
  attributes?: Attributes;
}

export class Tracing {
  readonly #tracer: Tracer | null;
  readonly #ratio: number;

  /** `samplePercent`: the share of inbound frames that start a trace (head sampling). */
  constructor(readonly enabled: boolean, samplePercent = 100, name = "im") {
    this.#tracer = enabled ? trace.getTracer(name) : null;
    this.#ratio = Math.max(0, Math.min(100, samplePercent)) / 100;
  }

  /** Starts a new trace (a root span), or null when tracing is off or this one is not sampled. */
  root(name: string, o: SpanOptions = {}): Span | null {
    if (!this.#tracer || (this.#ratio < 1 && Math.random() >= this.#ratio)) return null;
    return this.#tracer.startSpan(name, { ...o, root: true }, ROOT_CONTEXT);
  }

  /** A span under the one a carried `traceparent` names; null when off or nothing is carried. */
  child(name: string, traceparent: string | undefined, o: SpanOptions = {}): Span | null {
    if (!this.#tracer || !traceparent) return null;
    const parent = propagation.extract(ROOT_CONTEXT, { traceparent });
    if (!trace.getSpanContext(parent)) return null; // malformed: no trace rather than a bad one
    return this.#tracer.startSpan(name, o, parent);
  }
}

/** The W3C `traceparent` naming this span as the parent of whatever the carrier reaches. */
export function traceparentOf(span: Span): string {
  const c = span.spanContext();
  return `00-${c.traceId}-${c.spanId}-${(c.traceFlags & 0xff).toString(16).padStart(2, "0")}`;
}

/** The trace id inside a `traceparent` (for log lines), or undefined. */
export function traceIdOf(traceparent: string | undefined): string | undefined {
  return traceparent && /^00-[0-9a-f]{32}-/.test(traceparent)
    ? traceparent.slice(3, 35)
    : undefined;
}

export function failSpan(span: Span | null, err: unknown): void {
  if (!span) return;
  span.setStatus({
    code: SpanStatusCode.ERROR,
    message: err instanceof Error ? err.name : "error",
  });
}

/** Epoch ms of a `performance.now()` reading: span times given after the fact. */
export const wallOf = (perfMs: number): number => performance.timeOrigin + perfMs;

/**
 * A logger whose lines carry the active span's trace and span id, when there is one: Deno's
 * HTTP server span for requests, and for socket events the upgrade request's (a frame's own
 * trace is named by the caller).
 */
export function withTraceIds(log: Logger): Logger {
  const add = (f?: Record<string, unknown>) => {
    const c = trace.getActiveSpan()?.spanContext();
    // Ids a caller names itself (a frame's own trace) win over the active span's.
    return c ? { traceId: c.traceId, spanId: c.spanId, ...f } : f;
  };
  return {
    debug: (m, f) => log.debug(m, add(f)),
    info: (m, f) => log.info(m, add(f)),
    warn: (m, f) => log.warn(m, add(f)),
    error: (m, f) => log.error(m, add(f)),
    child: (f) => withTraceIds(log.child(f)),
  };
}
