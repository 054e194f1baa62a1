/**
 * Schedules that survive worker restarts (presence checks, call timers): sorted sets of members
 * due at a time, sharded (REALTIME_SHARDS), each shard worked by one worker at a time. A worker
 * takes a shard with a short lock and its due members in one script; it removes a member only
 * after handling it, and only if nobody re-scheduled it meanwhile. A worker that dies mid-way
 * leaves the members due: the lock lapses and another worker handles them again (every handler
 * is idempotent). One worker per shard also keeps one user's presence changes in order.
 */
import { REALTIME_SHARDS } from "@im/shared/keys";
import { partitionOf } from "@im/shared/partition";
import { pipeline, type Redis } from "@im/shared/redis";

// KEYS[1] lock, KEYS[2] schedule. ARGV: worker, lock ms, now, max.
// Returns {} when another worker holds the shard, else {member, score, ...} due by now.
const CLAIM = `
local holder = redis.call('GET', KEYS[1])
if holder and holder ~= ARGV[1] then return {} end
local due = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[3], 'WITHSCORES', 'LIMIT', 0, ARGV[4])
if #due == 0 then
  if holder then redis.call('DEL', KEYS[1]) end
  return {}
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return due`;

// KEYS[1] lock, KEYS[2] schedule. ARGV: worker, then (member, claimed score, next score or '')...
// Removes or moves each member still at its claimed score; releases the lock.
const SETTLE = `
for i = 2, #ARGV, 3 do
  local cur = redis.call('ZSCORE', KEYS[2], ARGV[i])
  if cur and tonumber(cur) == tonumber(ARGV[i + 1]) then
    if ARGV[i + 2] == '' then redis.call('ZREM', KEYS[2], ARGV[i])
    else redis.call('ZADD', KEYS[2], ARGV[i + 2], ARGV[i]) end
  end
end
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
return 1`;

/**
 * Members one shard hands out per tick: a storm of reconnects (a gateway restart) is spread over
 * a few seconds of ticks instead of one burst that would hold the worker's event loop, and with
 * it the stored lane's latency (8 shards x 64 per 100 ms tick: 5,120 a second per worker).
 */
export const MAX_PER_SHARD = 64;

export interface Due {
  shard: number;
  member: string;
  score: number;
}

export interface DueKeys {
  schedule(shard: number): string;
  lock(shard: number): string;
}

export class DueSet {
  constructor(
    private readonly redis: Redis,
    private readonly keys: DueKeys,
    private readonly shards: number,
    private readonly workerId: string,
    private readonly lockMs = 5000,
  ) {}

  /** Due members of every shard this worker could take, in one round trip. */
  async claim(now: number, max = MAX_PER_SHARD): Promise<Due[]> {
    const pipe = pipeline(this.redis);
    for (let s = 0; s < this.shards; s++) {
      pipe.eval(
        CLAIM,
        2,
        this.keys.lock(s),
        this.keys.schedule(s),
        this.workerId,
        this.lockMs,
        now,
        max,
      );
    }
    const res = await pipe.exec();
    const out: Due[] = [];
    res?.forEach(([err, flat], shard) => {
      if (err) throw err;
      const f = flat as string[];
      for (let i = 0; i + 1 < f.length; i += 2) {
        out.push({ shard, member: f[i], score: Number(f[i + 1]) });
      }
    });
    return out;
  }

  /** Removes handled members (next undefined) or moves them to `next`; frees the shards. */
  async settle(done: Array<Due & { next?: number }>, shards: Iterable<number>): Promise<void> {
    const byShard = new Map<number, Array<string | number>>();
    for (const s of shards) byShard.set(s, []);
    for (const d of done) {
      const args = byShard.get(d.shard) ?? [];
      args.push(d.member, d.score, d.next === undefined ? "" : d.next);
      byShard.set(d.shard, args);
    }
    if (byShard.size === 0) return;
    const pipe = pipeline(this.redis);
    for (const [s, args] of byShard) {
      pipe.eval(SETTLE, 2, this.keys.lock(s), this.keys.schedule(s), this.workerId, ...args);
    }
    await pipe.exec();
  }

  /** Adds or moves members: [shard, member, due ms]. */
  async schedule(items: Array<[number, string, number]>): Promise<void> {
    if (items.length === 0) return;
    const pipe = pipeline(this.redis);
    for (const [s, member, at] of items) pipe.zadd(this.keys.schedule(s), at, member);
    await pipe.exec();
  }
}

/** The shard of a key (a user id or a call id). */
export const shardOf = (key: string) => partitionOf(key, REALTIME_SHARDS);
