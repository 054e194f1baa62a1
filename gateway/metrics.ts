/**
 * The gateway's metrics (docs/ARCHITECTURE.md "Operating it" lists each and what to do when it
 * moves), created at zero for every label value they can take, and the HTTP middleware that
 * times each route and counts logins, registrations and refusals. Hot-path series are bound
 * here once, so counting a frame is a map lookup and an addition.
 */
import type { MiddlewareHandler } from "hono";
import { clientFrames, CloseCode, ErrorCode } from "@im/protocol";
import {
  Counter,
  type CounterSeries,
  Gauge,
  Histogram,
  type HistogramSeries,
  LATENCY_BUCKETS,
  type Registry,
} from "@im/shared/metrics";

/** Why an upgrade was refused (gateway/ws/upgrade.ts and the drain). */
export const REFUSAL_REASONS = ["origin", "token", "connections", "draining"] as const;

export interface GatewayHops {
  ingest: HistogramSeries;
  deliver: HistogramSeries;
  write: HistogramSeries;
}

export function gatewayMetrics(registry: Registry, hopHistogram: Histogram, conns: () => number) {
  registry.add(new Gauge("im_gateway_connections", "Open WebSocket connections.")).set(conns);
  const framesIn = registry.add(
    new Counter("im_gateway_frames_in_total", "Accepted inbound frames, by type.", ["type"]),
  );
  for (const type of Object.keys(clientFrames)) framesIn.labels(type);
  const errorsOut = registry.add(
    new Counter("im_gateway_error_frames_total", "Error frames the gateway sent, by code.", [
      "code",
    ]),
  );
  for (const code of Object.values(ErrorCode)) errorsOut.labels(String(code));
  const refused = registry.add(
    new Counter("im_gateway_upgrades_refused_total", "Refused upgrades, by reason.", ["reason"]),
  );
  for (const r of REFUSAL_REASONS) refused.labels(r);
  const rateLimited = registry.add(
    new Counter(
      "im_gateway_rate_limited_total",
      "Frames refused RATE_LIMITED, by scope (conn: one connection's bucket; user: the user's across gateways).",
      ["scope"],
    ),
  );
  const disconnects = registry.add(
    new Counter(
      "im_gateway_disconnects_total",
      "Closed connections, by close code (codes outside our registry count as other).",
      ["code"],
    ),
  );
  for (const code of [...Object.values(CloseCode), "other"]) disconnects.labels(String(code));
  return {
    framesIn,
    errorsOut,
    refused,
    disconnects,
    rateLimitedConn: rateLimited.labels("conn"),
    rateLimitedUser: rateLimited.labels("user"),
    delivered: registry.add(
      new Counter("im_gateway_deliveries_total", "Frames written to sockets from results."),
    ).labels(),
    hops: {
      ingest: hopHistogram.labels("ingest"),
      deliver: hopHistogram.labels("deliver"),
      write: hopHistogram.labels("write"),
    } satisfies GatewayHops,
  };
}

export type GatewayMetrics = ReturnType<typeof gatewayMetrics>;

/** What each status of the two account routes means, for the login/registration counters. */
const LOGIN: Record<number, string> = {
  200: "ok",
  401: "invalid_credentials",
  403: "banned",
  429: "throttled",
};
const REGISTER: Record<number, string> = {
  201: "ok",
  400: "invalid",
  409: "taken",
  429: "throttled",
};

/**
 * Per-route latency and responses, logins and registrations by outcome. Routes are Hono's
 * matched patterns (`/v1/users/:id`), never raw paths, so label values stay bounded.
 */
export function httpMetrics(registry: Registry, timed: boolean): MiddlewareHandler {
  const seconds = registry.add(
    new Histogram(
      "im_http_request_seconds",
      "HTTP request latency, by matched route and method.",
      LATENCY_BUCKETS,
      ["route", "method"],
    ),
  );
  const responses = registry.add(
    new Counter("im_http_responses_total", "HTTP responses, by matched route and status.", [
      "route",
      "status",
    ]),
  );
  const logins = registry.add(
    new Counter("im_auth_logins_total", "Login attempts, by outcome.", ["result"]),
  );
  const registrations = registry.add(
    new Counter("im_auth_registrations_total", "Registration attempts, by outcome.", ["result"]),
  );
  for (const r of [...Object.values(LOGIN), "other"]) logins.labels(r);
  for (const r of [...Object.values(REGISTER), "other"]) registrations.labels(r);
  for (const s of ["401", "429"]) responses.labels("/v1/auth/login", s);
  const cache = new Map<string, CounterSeries>();
  return async (c, next) => {
    const started = performance.now();
    await next();
    const route = c.req.routePath === "/*" ? "unmatched" : c.req.routePath;
    const status = c.res.status;
    if (timed) seconds.labels(route, c.req.method).observe((performance.now() - started) / 1000);
    const key = `${route} ${status}`;
    let s = cache.get(key);
    if (!s) cache.set(key, s = responses.labels(route, String(status)));
    s.inc();
    if (route === "/v1/auth/login") logins.one(LOGIN[status] ?? "other").inc();
    if (route === "/v1/auth/register") registrations.one(REGISTER[status] ?? "other").inc();
  };
}
