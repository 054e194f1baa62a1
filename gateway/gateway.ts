/**
 * Composition root of a gateway: HTTP auth API, the WebSocket endpoint, the result-stream
 * reader, the registry heartbeat and the sweeps. `stop()` drains in a known order: leave the
 * registry, close sockets with the "reconnect" code, stop reading, shut the server down.
 */
import { Hono } from "hono";
import { type Config, jwtSecretOf } from "@im/shared/config";
import { createDb } from "@im/shared/db";
import { Keys } from "@im/shared/keys";
import { IoredisKv } from "@im/shared/kv";
import { createLogger, type Logger } from "@im/shared/log";
import { redactUrl } from "@im/shared/log";
import { PROMETHEUS_CONTENT_TYPE, Registry } from "@im/shared/metrics";
import {
  addProcessMetrics,
  hopHistogram,
  instrumentRedis,
  mysqlObserver,
  redisLatency,
  Tracing,
  withTraceIds,
} from "@im/shared/telemetry";
import { type BusinessFrame, CloseCode, errorBody, ErrorCode } from "@im/protocol";
import { createBlockingRedis, createOrderedRedis, createRedis, RouteStore } from "@im/shared/redis";
import { bounded } from "@im/shared/shutdown";
import { authenticate } from "./auth/http.ts";
import { authRoutes } from "./auth/routes.ts";
import { Argon2Pool } from "./auth/argon2_pool.ts";
import { Ingest } from "./ingest.ts";
import { GatewayRegistry } from "./registry.ts";
import { runResultReader } from "./results.ts";
import { Conn } from "./ws/conn.ts";
import { Hub } from "./ws/hub.ts";
import { IpSlots } from "./ws/ip_slots.ts";
import { type ServerEnv, startServer } from "./ws/server.ts";
import { attachSession } from "./ws/session.ts";
import { upgrade, type UpgradeDeps } from "./ws/upgrade.ts";
import { PresenceEvents } from "./presence.ts";
import { TypingGate } from "./ws/typing_gate.ts";
import { serveWebApp } from "./static.ts";
import { Cached } from "./cached.ts";
import { deviceRoutes, touchDevice, trackLastSeen } from "./devices/mod.ts";
import { mediaRoutes, mediaStorage } from "./media/mod.ts";
import { gatewayMetrics, httpMetrics } from "./metrics.ts";
import { gatewayReadiness } from "./readiness.ts";
import { UserRateLimiter } from "./user_ratelimit.ts";
import { adminTokenOf } from "./admin/auth.ts";
import { adminApi } from "./admin/routes.ts";

export interface RunningGateway {
  gatewayId: string;
  port: number;
  wsUrl: string;
  hub: Hub;
  app: Hono;
  /** The admin API's port, when ADMIN_TOKEN enables it. */
  adminPort?: number;
  metrics: Registry;
  stop(): Promise<void>;
}

/** The most one shutdown step may take (see stop()). */
const STEP_MS = 2000;

export async function startGateway(config: Config, baseLog: Logger): Promise<RunningGateway> {
  const jwtSecret = jwtSecretOf(config);
  const adminToken = adminTokenOf(config);
  const gatewayId = config.gatewayId || `g-${crypto.randomUUID().slice(0, 12)}`;
  const tracing = new Tracing(config.otelDeno, config.traceSamplePercent);
  const log = (tracing.enabled ? withTraceIds(baseLog) : baseLog).child({ gatewayId });
  const keys = new Keys(config.keyPrefix);
  const metrics = new Registry();
  addProcessMetrics(metrics, { service: "gateway", revision: config.buildRevision });
  const redisSeconds = config.instrument ? redisLatency(metrics) : null;
  const redis = createRedis(config.redisUrl, `gateway:${gatewayId}`, log);
  const reader = createBlockingRedis(config.redisUrl, `gateway-reader:${gatewayId}`, log);
  const db = createDb(config.mysqlUrl, 10, {
    ...(config.instrument ? { observer: mysqlObserver(metrics, "gateway") } : {}),
  });
  const routes = new RouteStore(redis, keys, config.routeTtlSec * 1000);
  // The HTTP API's reads and counters go through the port on the gateway's own connection.
  const kv = new IoredisKv(redis, keys);
  const presence = new PresenceEvents(redis, keys, log);
  const hub = new Hub(gatewayId, redis, keys, routes, log, (c) => presence.changed(c));
  const typingGate = new TypingGate(config.typingMinIntervalMs);
  const registry = new GatewayRegistry(redis, keys, config.gatewayTtlSec * 1000);
  const appender = createOrderedRedis(config.redisUrl, `gateway-ingest:${gatewayId}`, log);
  if (redisSeconds) {
    instrumentRedis(redis, redisSeconds, "gateway");
    instrumentRedis(appender, redisSeconds, "ingest");
  }
  const ingest = new Ingest(appender, keys, config.partitions, gatewayId);
  // It queues nothing, so frames before it is connected would fail: wait for it (briefly).
  await bounded(
    new Promise<void>((r) => appender.status === "ready" ? r() : appender.once("ready", r)),
    STEP_MS,
  );
  const argon2 = new Argon2Pool();
  // Read at most every few seconds: a page's Origin is checked against it on every upgrade.
  const gatewayUrls = new Cached(5000, async () => [
    wsUrl,
    ...(await registry.live()).map((g) => g.url),
  ]);

  const m = gatewayMetrics(metrics, hopHistogram(metrics), () => hub.size);
  const userLimit = new UserRateLimiter(redis, keys, config.userRateLimitPerSec);

  let draining = false;
  const clientIp = (c: { env: unknown }) =>
    (c.env as ServerEnv | undefined)?.incoming?.socket?.remoteAddress ?? "unknown";
  const slots = new IpSlots(config.maxConnsPerIp);

  const app = new Hono();
  app.use(httpMetrics(metrics, config.instrument));
  // Every HTTP error is the documented envelope, also for paths and methods nobody serves.
  app.notFound((c) => c.json({ error: errorBody(ErrorCode.INVALID_REQUEST, "not found") }, 404));
  app.onError((err, c) => {
    log.error("request failed", { err, path: c.req.path });
    return c.json({ error: errorBody(ErrorCode.INTERNAL, "internal error") }, 500);
  });
  app.get("/healthz", (c) => c.json({ ok: true, gatewayId }));
  const readiness = gatewayReadiness({
    redis,
    appender,
    db,
    draining: () => draining,
    onError: (dependency, err) => log.warn("readiness probe failed", { dependency, err }),
  });
  app.get("/readyz", async (c) => {
    const r = await readiness();
    return c.json(r, r.ok ? 200 : 503);
  });
  app.get(
    "/metrics",
    async (c) => c.body(await metrics.scrape(), 200, { "content-type": PROMETHEUS_CONTENT_TYPE }),
  );
  serveWebApp(app, config.webRoot);
  app.route(
    "/",
    authRoutes({
      db,
      kv,
      keys,
      config,
      jwtSecret,
      log,
      clientIp,
      argon2: argon2.run,
      pickGateway: (avoid) => registry.pick(avoid),
      onSessionRevoked: (userId, deviceId) =>
        hub.closeDevice(userId, deviceId, CloseCode.SESSION_REVOKED, "session revoked"),
      closeDevice: (userId, deviceId, code, reason) =>
        hub.closeDevice(userId, deviceId, code, reason),
    }),
  );
  app.route(
    "/",
    deviceRoutes({
      db,
      kv,
      config,
      jwtSecret,
      log,
      clientIp,
      online: async (userId) =>
        new Set(((await routes.lookup([userId])).get(userId) ?? []).map((r) => r.deviceId)),
      closeDevice: (userId, deviceId, code, reason) =>
        hub.closeDevice(userId, deviceId, code, reason),
    }),
  );
  app.route(
    "/",
    mediaRoutes({ db, kv, config, jwtSecret, log, storage: mediaStorage(config) }),
  );
  // Built once: each socket's closures keep what they capture for the connection's lifetime.
  const connLimits = {
    ratePerSec: config.rateLimitPerSec,
    rateBurst: config.rateLimitBurst,
    rateAbuse: config.rateLimitAbuse,
    highWaterBytes: config.sendHighWaterBytes,
  };
  const sessionDeps = {
    hub,
    ingest,
    log,
    maxFrameBytes: config.maxFrameBytes,
    heartbeatSec: config.heartbeatSec,
    limits: {
      maxBodyChars: config.maxBodyChars,
      recallWindowSec: config.recallWindowSec,
      editWindowSec: config.editWindowSec,
    },
    framesIn: m.framesIn,
    errorsOut: m.errorsOut,
    rateLimited: { conn: m.rateLimitedConn, user: m.rateLimitedUser },
    disconnects: m.disconnects,
    gate: (c: Conn, frame: BusinessFrame) => typingGate.check(c, frame),
    ...(userLimit.enabled ? { userLimit } : {}),
    ...(config.instrument ? { ingestHop: m.hops.ingest } : {}),
    ...(tracing.enabled ? { tracing } : {}),
  };
  const upgradeDeps: UpgradeDeps = {
    originAllowlist: config.originAllowlist,
    gatewayUrls: () => gatewayUrls.get(),
    slots,
    authenticate: (token) => authenticate({ kv, config, jwtSecret }, token),
    admit: async ({ userId, deviceId }) => {
      // A device reconnecting replaces itself, so only other devices count.
      const live = (await routes.lookup([userId])).get(userId) ?? [];
      return live.filter((r) => r.deviceId !== deviceId).length < config.maxDevicesPerUser;
    },
    remoteOf: clientIp,
    onRefused: (reason, ctx) => {
      m.refused.one(reason).inc();
      log.warn("upgrade refused", {
        reason,
        remote: clientIp(ctx),
        origin: ctx.req.header("origin"),
        path: redactUrl(ctx.req.url),
      });
    },
    onSocket: (socket, identity, remote) => {
      trackLastSeen(socket, identity, (u, d, now) => touchDevice(db, u, d, now), log);
      attachSession(new Conn(socket, identity, remote, connLimits), sessionDeps);
    },
  };
  app.get("/ws", (c) => {
    if (draining) {
      m.refused.one("draining").inc();
      return c.json({ error: errorBody(ErrorCode.UNAVAILABLE, "gateway draining") }, 503);
    }
    return upgrade(c, upgradeDeps);
  });

  const server = await startServer({
    hostname: config.host,
    port: config.port,
    fetch: (req, env) => app.fetch(req, env),
    maxPayload: config.maxFrameBytes,
    handshakeTimeoutMs: config.handshakeTimeoutMs,
    maxPendingPerIp: config.maxConnsPerIp,
    log,
  });
  const port = server.port;
  const wsUrl = config.publicUrl || `ws://127.0.0.1:${port}/ws`;

  // Appends acknowledged by a Redis that then died may be gone (AOF fsyncs once a second), and
  // the client does not know which: every socket is closed with the code that says "reconnect,
  // then resend what was not acknowledged, in order", so nothing sent later can overtake them.
  let redisUp = appender.status === "ready";
  appender.on("ready", () => (redisUp = true));
  appender.on("close", () => {
    if (!redisUp) return;
    redisUp = false;
    if (draining) return;
    log.warn("redis connection lost: closing sockets so clients resend in order");
    for (const c of hub.conns.values()) c.txBroken = true; // frames still queued are refused
    hub.closeAll(CloseCode.STORE_UNAVAILABLE, "store unavailable: reconnect and resend in order");
  });
  const abort = new AbortController();
  const readerLoop = runResultReader(
    reader,
    keys.gateway(gatewayId),
    hub,
    log,
    abort.signal,
    (n) => m.delivered.inc(n),
    {
      ...(config.instrument ? { deliver: m.hops.deliver, write: m.hops.write } : {}),
      ...(tracing.enabled ? { tracing } : {}),
    },
  );
  const limiterLoop = userLimit.enabled
    ? userLimit.run(abort.signal, (err) => log.warn("user rate counts not sent", { err }))
    : Promise.resolve();
  let admin: Deno.HttpServer<Deno.NetAddr> | null = null;
  if (adminToken) {
    const api = adminApi({
      token: adminToken,
      db,
      kv,
      redis,
      keys,
      config,
      log,
      audit: createLogger("info", { proc: "gateway", gatewayId }),
      remoteOf: clientIp,
    });
    admin = Deno.serve(
      { hostname: config.adminHost, port: config.adminPort, onListen: () => {} },
      api.fetch,
    );
  }
  const announce = () =>
    registry.announce({ gatewayId, url: wsUrl, conns: hub.size }).catch((err) =>
      log.warn("registry heartbeat failed", { err })
    );
  await announce();
  const timers = [
    setInterval(announce, Math.max(500, (config.gatewayTtlSec * 1000) / 3)),
    setInterval(
      () => hub.refreshRoutes().catch((err) => log.warn("route refresh failed", { err })),
      Math.max(500, (config.routeTtlSec * 1000) / 3),
    ),
    setInterval(() => hub.sweep(config.idleTimeoutSec * 1000), 1000),
    setInterval(() => registry.prune().catch(() => {}), 30_000),
  ];
  log.info("gateway started", { port, wsUrl, adminPort: admin?.addr.port });

  let stopping: Promise<void> | null = null;
  return {
    gatewayId,
    port,
    wsUrl,
    hub,
    app,
    metrics,
    ...(admin ? { adminPort: admin.addr.port } : {}),
    stop() {
      // Each step is bounded: with Redis or MySQL down, a shutdown still ends.
      stopping ??= (async () => {
        draining = true;
        timers.forEach(clearInterval);
        await bounded(registry.withdraw(gatewayId), STEP_MS);
        // Our own code first: server.shutdown() alone would close sockets with 1001.
        hub.closeAll(CloseCode.DRAINING, "gateway restarting: reconnect");
        await new Promise((r) => setTimeout(r, 100));
        abort.abort();
        reader.disconnect();
        await bounded(readerLoop, STEP_MS);
        await bounded(limiterLoop, STEP_MS);
        if (admin) await bounded(admin.shutdown(), STEP_MS);
        await bounded(server.shutdown(), STEP_MS);
        argon2.close();
        await bounded(db.destroy(), STEP_MS);
        redis.disconnect();
        appender.disconnect();
        log.info("gateway stopped");
      })();
      return stopping;
    },
  };
}
