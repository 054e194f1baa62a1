/**
 * Composition root of a gateway: HTTP auth API, the WebSocket endpoint, the result-stream
 * reader, the registry heartbeat and the sweeps. `stop()` drains in a known order: leave the
 * registry, close sockets with the "reconnect" code, stop reading, shut the server down.
 */
import { Hono } from "hono";
import { type Config, jwtSecretOf } from "@im/shared/config";
import { createDb } from "@im/shared/db";
import { Keys } from "@im/shared/keys";
import type { Logger } from "@im/shared/log";
import { redactUrl } from "@im/shared/log";
import { Counter, Gauge, Registry } from "@im/shared/metrics";
import { CloseCode, errorBody, ErrorCode } from "@im/protocol";
import { createBlockingRedis, createRedis, RouteStore } from "@im/shared/redis";
import { sql } from "kysely";
import { authenticate } from "./auth/http.ts";
import { authRoutes } from "./auth/routes.ts";
import { Argon2Pool } from "./auth/argon2_pool.ts";
import { Ingest } from "./ingest.ts";
import { GatewayRegistry } from "./registry.ts";
import { runResultReader } from "./results.ts";
import { Conn } from "./ws/conn.ts";
import { Hub } from "./ws/hub.ts";
import { attachSession } from "./ws/session.ts";
import { PresenceEvents } from "./presence.ts";
import { TypingGate } from "./ws/typing_gate.ts";
import { upgrade } from "./ws/upgrade.ts";
import { serveWebApp } from "./static.ts";

export interface RunningGateway {
  gatewayId: string;
  port: number;
  wsUrl: string;
  hub: Hub;
  app: Hono;
  stop(): Promise<void>;
}

export async function startGateway(config: Config, baseLog: Logger): Promise<RunningGateway> {
  const jwtSecret = jwtSecretOf(config);
  const gatewayId = config.gatewayId || `g-${crypto.randomUUID().slice(0, 12)}`;
  const log = baseLog.child({ gatewayId });
  const keys = new Keys(config.keyPrefix);
  const redis = createRedis(config.redisUrl, `gateway:${gatewayId}`);
  const reader = createBlockingRedis(config.redisUrl, `gateway-reader:${gatewayId}`);
  const db = createDb(config.mysqlUrl);
  const routes = new RouteStore(redis, keys, config.routeTtlSec * 1000);
  const presence = new PresenceEvents(redis, keys, log);
  const hub = new Hub(gatewayId, redis, keys, routes, log, (c) => presence.changed(c));
  const typingGate = new TypingGate(config.typingMinIntervalMs);
  const registry = new GatewayRegistry(redis, keys, config.gatewayTtlSec * 1000);
  const ingest = new Ingest(redis, keys, config.partitions, gatewayId);
  const argon2 = new Argon2Pool();

  const metrics = new Registry();
  metrics.add(new Gauge("im_gateway_connections", "Open WebSocket connections.")).set(() =>
    hub.size
  );
  const framesIn = metrics.add(
    new Counter("im_gateway_frames_in_total", "Accepted inbound frames."),
  );
  const errorsOut = metrics.add(new Counter("im_gateway_error_frames_total", "Error frames sent."));
  const delivered = metrics.add(
    new Counter("im_gateway_deliveries_total", "Frames written from results."),
  );
  const refused = metrics.add(
    new Counter("im_gateway_upgrades_refused_total", "Refused upgrades."),
  );

  let draining = false;
  const clientIp = (c: { env: unknown }) =>
    (c.env as Deno.ServeHandlerInfo<Deno.NetAddr> | undefined)?.remoteAddr?.hostname ?? "unknown";

  const app = new Hono();
  app.get("/healthz", (c) => c.json({ ok: true, gatewayId }));
  app.get("/readyz", async (c) => {
    if (draining) return c.json({ ok: false, draining: true }, 503);
    try {
      await Promise.all([redis.ping(), sql`SELECT 1`.execute(db)]);
      return c.json({ ok: true });
    } catch {
      return c.json({ ok: false }, 503);
    }
  });
  app.get("/metrics", (c) => c.text(metrics.render()));
  serveWebApp(app, config.webRoot);
  app.route(
    "/",
    authRoutes({
      db,
      redis,
      keys,
      config,
      jwtSecret,
      log,
      clientIp,
      argon2: argon2.run,
      pickGateway: () => registry.pick(),
      onSessionRevoked: (userId, deviceId) =>
        hub.closeDevice(userId, deviceId, CloseCode.SESSION_REVOKED, "session revoked"),
    }),
  );
  app.get("/ws", (c) => {
    if (draining) {
      return c.json({ error: errorBody(ErrorCode.UNAVAILABLE, "gateway draining") }, 503);
    }
    return upgrade(c, {
      originAllowlist: config.originAllowlist,
      idleTimeoutSec: config.idleTimeoutSec,
      authenticate: (token) => authenticate({ redis, keys, config, jwtSecret }, token),
      admit: async ({ userId, deviceId }) => {
        // A device reconnecting replaces itself, so only other devices count.
        const live = (await routes.lookup([userId])).get(userId) ?? [];
        return live.filter((r) => r.deviceId !== deviceId).length < config.maxDevicesPerUser;
      },
      remoteOf: clientIp,
      onRefused: (reason, ctx) => {
        refused.inc({ reason });
        log.warn("upgrade refused", {
          reason,
          remote: clientIp(ctx),
          origin: ctx.req.header("origin"),
          path: redactUrl(ctx.req.url),
        });
      },
      onSocket: (socket, identity, remote) => {
        const conn = new Conn(socket, identity, remote, {
          ratePerSec: config.rateLimitPerSec,
          rateBurst: config.rateLimitBurst,
          rateAbuse: config.rateLimitAbuse,
          highWaterBytes: config.sendHighWaterBytes,
        });
        attachSession(conn, {
          hub,
          ingest,
          log,
          maxFrameBytes: config.maxFrameBytes,
          heartbeatSec: config.heartbeatSec,
          framesIn,
          errorsOut,
          gate: (c, frame) => typingGate.check(c, frame),
        });
      },
    });
  });

  const server = Deno.serve(
    { hostname: config.host, port: config.port, onListen: () => {} },
    app.fetch,
  );
  const port = server.addr.port;
  const wsUrl = config.publicUrl || `ws://127.0.0.1:${port}/ws`;

  const abort = new AbortController();
  const readerLoop = runResultReader(
    reader,
    keys.gateway(gatewayId),
    hub,
    log,
    abort.signal,
    (n) => delivered.inc({}, n),
  );
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
  log.info("gateway started", { port, wsUrl });

  let stopping: Promise<void> | null = null;
  return {
    gatewayId,
    port,
    wsUrl,
    hub,
    app,
    stop() {
      stopping ??= (async () => {
        draining = true;
        timers.forEach(clearInterval);
        await registry.withdraw(gatewayId).catch(() => {});
        // Our own code first: server.shutdown() alone would close sockets with 1001.
        hub.closeAll(CloseCode.DRAINING, "gateway restarting: reconnect");
        await new Promise((r) => setTimeout(r, 100));
        abort.abort();
        reader.disconnect();
        await readerLoop;
        await server.shutdown();
        argon2.close();
        await db.destroy();
        redis.disconnect();
        log.info("gateway stopped");
      })();
      return stopping;
    },
  };
}
