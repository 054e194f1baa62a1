/**
 * Per-device routes: which gateway connection a user's device is on. One hash per user
 * (deviceId -> "<gatewayId>|<connId>|<expiresAtMs>"), so delivery reads all devices in one call.
 * Redis 7.0 has no per-field TTL: each field carries its own expiry, readers skip expired ones,
 * and the key itself expires when no device refreshes it. Removal is compare-and-delete so a late
 * disconnect never erases a newer connection's route.
 */
import type { Redis } from "./connect.ts";
import { pipeline } from "./pipeline.ts";
import type { Keys } from "../keys.ts";

export interface Route {
  deviceId: string;
  gatewayId: string;
  connId: string;
}

// KEYS[1] routes hash. ARGV[1] device, ARGV[2] value, ARGV[3] key ttl ms.
// Returns the previous value of the device (a connection this one replaces), or false.
const SET = `
local prev = redis.call('HGET', KEYS[1], ARGV[1])
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[3]) then redis.call('PEXPIRE', KEYS[1], ARGV[3]) end
return prev`;

// KEYS[1] routes hash. ARGV[1] device, ARGV[2] "<gatewayId>|<connId>|", ARGV[3] new value
// (empty: delete), ARGV[4] key ttl ms. Acts only while the field still belongs to that connection.
const IF_OWNER = `
local cur = redis.call('HGET', KEYS[1], ARGV[1])
if not cur or string.sub(cur, 1, #ARGV[2]) ~= ARGV[2] then return 0 end
if ARGV[3] == '' then
  redis.call('HDEL', KEYS[1], ARGV[1])
else
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
  if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[4]) then redis.call('PEXPIRE', KEYS[1], ARGV[4]) end
end
return 1`;

export class RouteStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  #value(gatewayId: string, connId: string) {
    return `${gatewayId}|${connId}|${this.now() + this.ttlMs}`;
  }

  /** Registers a connection; returns the route it replaced for the same device, if any. */
  async set(userId: string, r: Route): Promise<Route | null> {
    const prev = await this.redis.eval(
      SET,
      1,
      this.keys.routes(userId),
      r.deviceId,
      this.#value(r.gatewayId, r.connId),
      this.ttlMs,
    ) as string | null;
    return prev ? parseRoute(r.deviceId, prev, 0) : null;
  }

  /** Extends the routes of many connections in one round trip. */
  async refresh(routes: Array<{ userId: string } & Route>): Promise<void> {
    if (routes.length === 0) return;
    const pipe = pipeline(this.redis);
    for (const r of routes) {
      pipe.eval(
        IF_OWNER,
        1,
        this.keys.routes(r.userId),
        r.deviceId,
        `${r.gatewayId}|${r.connId}|`,
        this.#value(r.gatewayId, r.connId),
        this.ttlMs,
      );
    }
    await pipe.exec();
  }

  /** Removes the route only if it still points at this connection. */
  async remove(userId: string, r: Route): Promise<boolean> {
    const n = await this.redis.eval(
      IF_OWNER,
      1,
      this.keys.routes(userId),
      r.deviceId,
      `${r.gatewayId}|${r.connId}|`,
      "",
      this.ttlMs,
    );
    return Number(n) === 1;
  }

  /** Live routes of many users, in one pipelined round trip. */
  async lookup(userIds: Iterable<string>): Promise<Map<string, Route[]>> {
    const ids = [...new Set(userIds)];
    const out = new Map<string, Route[]>();
    if (ids.length === 0) return out;
    const pipe = pipeline(this.redis);
    for (const id of ids) pipe.hgetall(this.keys.routes(id));
    const res = await pipe.exec();
    const now = this.now();
    ids.forEach((id, i) => {
      const [err, hash] = res![i] as [Error | null, Record<string, string>];
      if (err) throw err;
      const routes: Route[] = [];
      for (const [device, value] of Object.entries(hash ?? {})) {
        const r = parseRoute(device, value, now);
        if (r) routes.push(r);
      }
      out.set(id, routes);
    });
    return out;
  }
}

/** One field of a routes hash, or null when malformed or expired at `now`. */
export function parseRoute(deviceId: string, value: string, now: number): Route | null {
  const [gatewayId, connId, exp] = value.split("|");
  if (!gatewayId || !connId || Number(exp) < now) return null;
  return { deviceId, gatewayId, connId };
}
