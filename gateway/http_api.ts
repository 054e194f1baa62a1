/**
 * Composition root of the HTTP-only API: the gateway's HTTP routes (auth, users, presence,
 * history) without WebSockets, streams or blocking reads, reaching Redis only through the KV
 * port. With REDIS_REST_URL + REDIS_REST_TOKEN that is the Redis REST API (Upstash, SRH), so it
 * runs where only HTTP egress to Redis exists; MySQL stays a direct connection.
 *
 * Login still hands out a live WebSocket gateway (the registry, read through the port), and
 * logout or a reused refresh token still closes the device's sockets: a `!close` line on the
 * holding gateway's result stream, one more REST command.
 */
import { Hono } from "hono";
import { type Config, jwtSecretOf } from "@im/shared/config";
import { createDb } from "@im/shared/db";
import { Keys } from "@im/shared/keys";
import { createKv, kvKind, type KvStore } from "@im/shared/kv";
import type { Logger } from "@im/shared/log";
import { PROMETHEUS_CONTENT_TYPE, Registry } from "@im/shared/metrics";
import { addProcessMetrics, mysqlObserver } from "@im/shared/telemetry";
import { httpMetrics } from "./metrics.ts";
import { CloseCode } from "@im/protocol";
import { sql } from "kysely";
import { Argon2Pool } from "./auth/argon2_pool.ts";
import { authRoutes } from "./auth/routes.ts";
import { pickGateway } from "./registry.ts";

export interface RunningHttpApi {
  port: number;
  app: Hono;
  stop(): Promise<void>;
}

/** Closes every socket of one device, on whichever gateways hold them. */
export async function closeDeviceSockets(
  kv: KvStore,
  userId: string,
  deviceId: string,
  code: number,
  reason: string,
): Promise<void> {
  const routes = await kv.liveRoutes(userId);
  await Promise.all(
    routes.filter((r) => r.deviceId === deviceId)
      .map((r) => kv.closeConnection(r.gatewayId, r.connId, code, reason)),
  );
}

/** Throws ConfigError (before opening anything) without a JWT secret or with half a REST config. */
export function startHttpApi(config: Config, baseLog: Logger): RunningHttpApi {
  const jwtSecret = jwtSecretOf(config);
  const log = baseLog.child({ proc: "http-api" });
  const keys = new Keys(config.keyPrefix);
  const kv = createKv(config, keys, "http-api");
  const metrics = new Registry();
  addProcessMetrics(metrics, { service: "http-api", revision: config.buildRevision });
  const db = createDb(config.mysqlUrl, 10, {
    ...(config.instrument ? { observer: mysqlObserver(metrics, "http-api") } : {}),
  });
  const argon2 = new Argon2Pool();
  const gatewayTtlMs = config.gatewayTtlSec * 1000;

  let draining = false;
  const clientIp = (c: { env: unknown }) =>
    (c.env as Deno.ServeHandlerInfo<Deno.NetAddr> | undefined)?.remoteAddr?.hostname ?? "unknown";

  const app = new Hono();
  app.use(httpMetrics(metrics, config.instrument));
  app.get("/healthz", (c) => c.json({ ok: true }));
  app.get("/readyz", async (c) => {
    if (draining) return c.json({ ok: false, draining: true }, 503);
    try {
      await Promise.all([kv.ping(), sql`SELECT 1`.execute(db)]);
      return c.json({ ok: true });
    } catch {
      return c.json({ ok: false }, 503);
    }
  });
  app.get(
    "/metrics",
    async (c) => c.body(await metrics.scrape(), 200, { "content-type": PROMETHEUS_CONTENT_TYPE }),
  );
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
      pickGateway: (avoid) => pickGateway(kv, gatewayTtlMs, Date.now(), avoid),
      onSessionRevoked: (userId, deviceId) =>
        closeDeviceSockets(kv, userId, deviceId, CloseCode.SESSION_REVOKED, "session revoked"),
    }),
  );

  const server = Deno.serve(
    { hostname: config.host, port: config.port, onListen: () => {} },
    app.fetch,
  );
  const port = server.addr.port;
  log.info("http api started", { port, redis: kvKind(config) });

  let stopping: Promise<void> | null = null;
  return {
    port,
    app,
    stop() {
      stopping ??= (async () => {
        draining = true;
        // In-flight requests finish (a login's argon2 included); new connections are refused.
        await server.shutdown();
        argon2.close();
        await db.destroy();
        await kv.close();
        log.info("http api stopped");
      })();
      return stopping;
    },
  };
}
