/**
 * Presence state in Redis. A user is online while any of their device routes is live (routes
 * are per device with their own expiry, see shared/redis/routes.ts); `reconcile` compares the
 * routes with the stored state in one script (both keys in the user's slot) and reports a
 * change once, with a version that grows with every change. Subscriptions are per connection,
 * each field with its own expiry like the routes.
 */
import type { Keys } from "@im/shared/keys";
import { pipeline, type Redis } from "@im/shared/redis";

const KEEP_MS = 30 * 24 * 3600_000;

// KEYS[1] routes, KEYS[2] presence. ARGV: now, last-seen hint (0: now), keep ms, '1': only
// offline -> online (a reader catching up before the sweep; going offline needs its hint).
// Returns {changed (0/1), online (0/1), seen, ver}. The hint is when the user's last connection
// was last known alive (its disconnect, or its route's last refresh when a dead gateway left it
// to lapse): the routes themselves may be gone by then.
const RECONCILE = `
local now, hint = tonumber(ARGV[1]), tonumber(ARGV[2])
local flat = redis.call('HGETALL', KEYS[1])
local live = 0
for i = 2, #flat, 2 do
  local exp = tonumber(string.match(flat[i], '|(%d+)$')) or 0
  if exp >= now then live = live + 1 end
end
local p = redis.call('HMGET', KEYS[2], 'on', 'seen', 'ver')
local on, seen, ver = p[1] == '1', tonumber(p[2] or '0'), tonumber(p[3] or '0')
if (live > 0) == on or (ARGV[4] == '1' and live == 0) then return {0, on and 1 or 0, seen, ver} end
ver = redis.call('HINCRBY', KEYS[2], 'ver', 1)
if live > 0 then
  redis.call('HSET', KEYS[2], 'on', '1', 'since', now)
else
  seen = now
  if hint > 0 and hint < now then seen = hint end
  redis.call('HSET', KEYS[2], 'on', '0', 'seen', seen)
end
redis.call('PEXPIRE', KEYS[2], ARGV[3])
return {1, live > 0 and 1 or 0, seen, ver}`;

// KEYS[1] presence. ARGV: keep ms. A change that is not a transition (hidden, shown): new version.
const BUMP = `
local v = redis.call('HINCRBY', KEYS[1], 'ver', 1)
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return v`;

export interface PresenceState {
  userId: string;
  online: boolean;
  /** Last seen (ms); 0 when unknown. */
  seen: number;
  ver: number;
}

export interface Change extends PresenceState {
  changed: boolean;
}

export interface Subscriber {
  gatewayId: string;
  connId: string;
  viewer: string;
}

export class PresenceStore {
  constructor(private readonly redis: Redis, private readonly keys: Keys) {}

  /**
   * Brings each user's stored presence in line with their routes, in one round trip. `seen`
   * hints when each user was last known connected (see RECONCILE).
   */
  async reconcile(
    userIds: string[],
    now: number,
    seen = new Map<string, number>(),
    onlyUp = false,
  ): Promise<Change[]> {
    const ids = [...new Set(userIds)];
    if (ids.length === 0) return [];
    const pipe = pipeline(this.redis);
    for (const u of ids) {
      pipe.eval(
        RECONCILE,
        2,
        this.keys.routes(u),
        this.keys.presence(u),
        now,
        seen.get(u) ?? 0,
        KEEP_MS,
        onlyUp ? "1" : "0",
      );
    }
    const res = await pipe.exec();
    return ids.map((userId, i) => {
      const [err, r] = res![i] as [Error | null, number[]];
      if (err) throw err;
      return {
        userId,
        changed: r[0] === 1,
        online: r[1] === 1,
        seen: Number(r[2]),
        ver: Number(r[3]),
      };
    });
  }

  async states(userIds: string[]): Promise<Map<string, PresenceState>> {
    const out = new Map<string, PresenceState>();
    const ids = [...new Set(userIds)];
    if (ids.length === 0) return out;
    const pipe = pipeline(this.redis);
    for (const u of ids) pipe.hmget(this.keys.presence(u), "on", "seen", "ver");
    const res = await pipe.exec();
    ids.forEach((userId, i) => {
      const [on, seen, ver] = (res?.[i]?.[1] ?? []) as Array<string | null>;
      out.set(userId, {
        userId,
        online: on === "1",
        seen: Number(seen ?? 0),
        ver: Number(ver ?? 0),
      });
    });
    return out;
  }

  async bump(userId: string): Promise<number> {
    return Number(await this.redis.eval(BUMP, 1, this.keys.presence(userId), KEEP_MS));
  }

  /** Subscribes connections to users, for `ttlMs`, in one round trip. */
  async subscribe(
    items: Array<{ conn: Subscriber; userIds: string[] }>,
    now: number,
    ttlMs: number,
  ): Promise<void> {
    const pipe = pipeline(this.redis);
    for (const { conn, userIds } of items) {
      const field = `${conn.gatewayId}|${conn.connId}`;
      for (const u of userIds) {
        const key = this.keys.presenceSubs(u);
        pipe.hset(key, field, `${conn.viewer}|${now + ttlMs}`);
        // Every subscription lasts ttlMs: the newest one always outlives the others.
        pipe.pexpire(key, ttlMs);
      }
    }
    if (pipe.length) await pipe.exec();
  }

  async unsubscribe(conn: { gatewayId: string; connId: string }, userIds: string[]): Promise<void> {
    if (userIds.length === 0) return;
    const pipe = pipeline(this.redis);
    for (const u of userIds) {
      pipe.hdel(this.keys.presenceSubs(u), `${conn.gatewayId}|${conn.connId}`);
    }
    await pipe.exec();
  }

  /** Live subscribers of each user; expired fields are dropped on the way. */
  async subscribers(userIds: string[], now: number): Promise<Map<string, Subscriber[]>> {
    const out = new Map<string, Subscriber[]>();
    const ids = [...new Set(userIds)];
    if (ids.length === 0) return out;
    const read = pipeline(this.redis);
    for (const u of ids) read.hgetall(this.keys.presenceSubs(u));
    const res = await read.exec();
    const prune = pipeline(this.redis);
    ids.forEach((userId, i) => {
      const hash = (res?.[i]?.[1] ?? {}) as Record<string, string>;
      const subs: Subscriber[] = [];
      const dead: string[] = [];
      for (const [field, value] of Object.entries(hash)) {
        const [gatewayId, connId] = field.split("|");
        const [viewer, exp] = value.split("|");
        if (Number(exp) < now || !gatewayId || !connId) dead.push(field);
        else subs.push({ gatewayId, connId, viewer });
      }
      if (dead.length) prune.hdel(this.keys.presenceSubs(userId), ...dead);
      out.set(userId, subs);
    });
    if (prune.length) await prune.exec();
    return out;
  }
}
