/** Operations: instrumentation, traces, the admin API, per-user rate limits. */
import { field, type FieldSpec } from "../spec.ts";

export const opsFields = {
  instrument: field(
    "INSTRUMENT",
    "bool",
    "true",
    "Hot-path timing metrics (hops, handlers, HTTP routes, Redis and MySQL latency); false leaves counters and gauges only, to measure their cost.",
  ),
  otelDeno: field(
    "OTEL_DENO",
    "bool",
    "false",
    "Deno's built-in OpenTelemetry (read by Deno itself at start-up): traces across the stream hop, logs and runtime metrics, exported as OTLP.",
  ),
  otelEndpoint: field(
    "OTEL_EXPORTER_OTLP_ENDPOINT",
    "string",
    "",
    "Where Deno sends OTLP (http/protobuf; OTEL_EXPORTER_OTLP_PROTOCOL=http/json also works); empty: Deno's default, http://localhost:4318.",
  ),
  otelServiceName: field(
    "OTEL_SERVICE_NAME",
    "string",
    "",
    "service.name of the exported telemetry (read by Deno); empty: Deno's default.",
  ),
  traceSamplePercent: field(
    "TRACE_SAMPLE_PERCENT",
    "int",
    "100",
    "With OTEL_DENO=true (Deno's OpenTelemetry), the percentage of inbound frames that start a trace.",
    { min: 0, max: 100 },
  ),
  buildRevision: field(
    "BUILD_REVISION",
    "string",
    "unknown",
    "Source revision this build was made from, shown in im_build_info.",
    { pattern: /^[A-Za-z0-9._-]{1,64}$/ },
  ),
  adminToken: field(
    "ADMIN_TOKEN",
    "string",
    "",
    "Operator credential of the admin API, 32+ characters (or ADMIN_TOKEN_FILE); empty: no admin API.",
    { secret: true },
  ),
  adminTokenFile: field(
    "ADMIN_TOKEN_FILE",
    "string",
    "",
    "File holding the admin API's operator credential.",
  ),
  adminHost: field(
    "ADMIN_HOST",
    "string",
    "127.0.0.1",
    "Admin API listen address (a gateway serves it on its own port when a credential is set).",
  ),
  adminPort: field("ADMIN_PORT", "int", "8089", "Admin API listen port (0 picks a free one).", {
    min: 0,
    max: 65535,
  }),
  userRateLimitPerSec: field(
    "USER_RATE_LIMIT_PER_SEC",
    "int",
    "100",
    "Frames per second one user may send over all devices and gateways (counted in Redis over 5 s windows); 0: no limit.",
    { min: 0 },
  ),
} as const satisfies Record<string, FieldSpec>;
