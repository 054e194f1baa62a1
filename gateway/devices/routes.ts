/**
 * The devices API: `GET /v1/devices` lists the caller's signed-in devices (platform, name, last
 * seen, online now); `DELETE /v1/devices/:deviceId` signs one out (its tokens are revoked, its
 * sockets closed with 4111). Identity is the bearer token's; a device that is not the caller's
 * is "not found", the same as one that does not exist.
 */
import { Hono, type MiddlewareHandler } from "hono";
import { CloseCode, type DeviceView, ErrorCode } from "@im/protocol";
import type { AuthDeps } from "../auth/deps.ts";
import { authenticate, bearerToken, jsonError } from "../auth/http.ts";
import type { AccessClaims } from "../auth/tokens.ts";
import { finishSignOut, SIGNED_OUT_REASON } from "./policy.ts";
import { revokeDevice, signedInDevices } from "./tables.ts";

export interface DeviceDeps
  extends Pick<AuthDeps, "db" | "kv" | "config" | "jwtSecret" | "log" | "clientIp"> {
  /** Device ids of the user connected to any gateway now. */
  online(userId: string): Promise<Set<string>>;
  closeDevice(userId: string, deviceId: string, code: number, reason: string): Promise<void>;
}

const DEVICE_ID = /^[A-Za-z0-9_-]{1,64}$/;

export function deviceRoutes(deps: DeviceDeps): Hono<Env> {
  const app = new Hono<Env>();
  app.onError((err, c) => {
    deps.log.error("devices request failed", { path: c.req.path, error: err });
    return jsonError(c, 500, ErrorCode.INTERNAL, "internal error");
  });
  app.use("/v1/devices", auth(deps));
  app.use("/v1/devices/*", auth(deps));

  app.get("/v1/devices", async (c) => {
    const me = c.get("claims");
    const [rows, online] = await Promise.all([
      signedInDevices(deps.db, me.userId, Date.now()),
      deps.online(me.userId),
    ]);
    const devices: DeviceView[] = rows.map((r) => ({
      deviceId: r.deviceId,
      platform: r.platform,
      name: r.name,
      createdAt: r.createdAt,
      lastSeenAt: r.lastSeenAt,
      online: online.has(r.deviceId),
      current: r.deviceId === me.deviceId,
    })).sort((a, b) => Number(b.current) - Number(a.current) || b.lastSeenAt - a.lastSeenAt);
    return c.json({ devices });
  });

  app.delete("/v1/devices/:deviceId", async (c) => {
    const me = c.get("claims");
    const deviceId = c.req.param("deviceId");
    const sessions = DEVICE_ID.test(deviceId)
      ? await deps.db.transaction().execute((tx) =>
        revokeDevice(tx, me.userId, deviceId, Date.now())
      )
      : [];
    if (sessions.length === 0) {
      return jsonError(c, 404, ErrorCode.DEVICE_NOT_FOUND, "no such device");
    }
    await finishSignOut(
      { ...deps, accessTtlSec: deps.config.accessTtlSec },
      me.userId,
      [{ deviceId, sessions }],
      CloseCode.SIGNED_OUT,
      SIGNED_OUT_REASON,
    );
    deps.log.info("device signed out", { userId: me.userId, deviceId, by: me.deviceId });
    return c.body(null, 204);
  });
  return app;
}

type Env = { Variables: { claims: AccessClaims } };

function auth(deps: DeviceDeps): MiddlewareHandler<Env> {
  return async (c, next) => {
    const token = bearerToken(c);
    const claims = token ? await authenticate(deps, token) : null;
    if (!claims) {
      deps.log.warn("unauthorized", { path: c.req.path, ip: deps.clientIp(c) });
      return jsonError(c, 401, ErrorCode.UNAUTHORIZED, "missing, invalid or expired token");
    }
    c.set("claims", claims);
    await next();
  };
}
