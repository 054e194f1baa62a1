/**
 * Who watches a conversation's live feed: the connections of a large group's members that asked
 * for it (group.watch), or the audience present in a live room (room.join). One sorted set per
 * conversation (shared/keys.ts `watchers`), member "<userId>|<gatewayId>|<connId>", scored by
 * expiry, so fan-out reads only the connections online now: its cost follows the audience,
 * never the member count. Run by the Publisher after commit, in one pipeline per batch.
 */
import type { Keys } from "@im/shared/keys";
import { pipeline, type Redis, type Route } from "@im/shared/redis";
import type { WatcherEmit, WatcherTarget, WatchOp } from "./outbox.ts";

// KEYS[1] watchers zset, KEYS[2] the user's removal marker. ARGV[1] member, ARGV[2] expiry ms,
// ARGV[3] now ms, ARGV[4] key ttl ms. Returns 1 if watching, 0 if the user was removed
// recently (a watch in flight when a kick committed must not bring them back).
const WATCH = `
if redis.call('EXISTS', KEYS[2]) == 1 then return 0 end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[3])
if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[4]) then redis.call('PEXPIRE', KEYS[1], ARGV[4]) end
return 1`;

// KEYS[1] watchers zset, KEYS[2..n] removal markers of the users. ARGV[1] block ms, ARGV[2..]
// user ids. Removes every connection of those users and sets their markers; returns how many
// connections it removed. Scans the set: removals are rare, fan-out is not.
const UNWATCH = `
local drop = {}
for i = 2, #ARGV do drop[ARGV[i] .. '|'] = true end
local n = 0
for _, m in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  local u = string.match(m, '^[^|]+|')
  if u and drop[u] then
    redis.call('ZREM', KEYS[1], m)
    n = n + 1
  end
end
for i = 2, #KEYS do redis.call('SET', KEYS[i], '1', 'PX', ARGV[1]) end
return n`;

export const watcherMember = (t: WatcherTarget) => `${t.userId}|${t.gatewayId}|${t.connId}`;

function parseMember(m: string): Route & { userId: string } {
  const [userId, gatewayId, connId] = m.split("|");
  return { userId, gatewayId, connId, deviceId: "" };
}

export interface Reached {
  frame: string;
  routes: Route[];
}

export class Watchers {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
    private readonly now: () => number = Date.now,
  ) {}

  /** Applies `ops` in order, then resolves each emit to the connections it reaches. */
  async resolve(ops: WatchOp[], emits: WatcherEmit[]): Promise<Reached[]> {
    const now = this.now();
    const pipe = pipeline(this.redis);
    // Removals first (a kicked member's connection must not get the batch's frames); a whole
    // audience goes last, after hearing the frame that ended it (dissolved, closed).
    for (const o of ops) if (o.op !== "drop") this.#op(pipe, o, now);
    const keys = [...new Set(emits.map((e) => e.conversationId))];
    const at = pipe.length;
    for (const c of keys) pipe.zrangebyscore(this.keys.watchers(c), now, "+inf");
    const checks = emits.filter((e) => e.requireWatcher);
    for (const e of checks) {
      pipe.zscore(this.keys.watchers(e.conversationId), watcherMember(e.requireWatcher!));
    }
    for (const o of ops) if (o.op === "drop") this.#op(pipe, o, now);
    const res = pipe.length ? await pipe.exec() : [];
    const failed = res?.find(([err]) => err);
    if (failed) throw failed[0];
    const audience = new Map(keys.map((c, i) => [c, res![at + i][1] as string[]]));
    const present = new Map(checks.map((e, i) => {
      const score = res![at + keys.length + i][1] as string | null;
      return [e, score !== null && Number(score) > now];
    }));
    return emits.map((e) => {
      const target = e.requireWatcher;
      if (target && !present.get(e)) {
        return {
          frame: e.otherwise ?? "",
          routes: e.otherwise ? [{ ...target, deviceId: "" }] : [],
        };
      }
      const routes = (audience.get(e.conversationId) ?? []).map(parseMember)
        .filter((r) => r.connId !== e.exceptConnId);
      return { frame: e.frame, routes };
    });
  }

  #op(pipe: ReturnType<Redis["pipeline"]>, o: WatchOp, now: number) {
    const key = this.keys.watchers(o.conversationId);
    switch (o.op) {
      case "watch":
        pipe.eval(
          WATCH,
          2,
          key,
          this.keys.unwatched(o.conversationId, o.target.userId),
          watcherMember(o.target),
          now + o.ttlMs,
          now,
          o.ttlMs,
        );
        return;
      case "leave":
        pipe.zrem(key, watcherMember(o.target));
        return;
      case "unwatch": {
        const markers = o.userIds.map((u) => this.keys.unwatched(o.conversationId, u));
        pipe.eval(UNWATCH, 1 + markers.length, key, ...markers, o.blockMs, ...o.userIds);
        return;
      }
      case "allow":
        if (o.userIds.length) {
          pipe.del(...o.userIds.map((u) => this.keys.unwatched(o.conversationId, u)));
        }
        return;
      case "drop":
        pipe.del(key);
        return;
    }
  }
}
