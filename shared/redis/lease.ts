/**
 * A lease with a fencing token: one Redis key holds "<owner>:<fence>" with a TTL, and a counter
 * key hands out a strictly larger fence to every new holder. Each step is one Lua script.
 * Used for partition ownership and for snowflake worker ids.
 */
import { Command } from "ioredis";
import { type Cluster, isCluster, type Redis } from "./connect.ts";

// KEYS[1] lease, KEYS[2] fence counter (same hash tag). ARGV[1] owner, ARGV[2] ttl ms,
// ARGV[3] an owner that may be displaced (one presumed dead; "" for none). Returns the fence
// held by ARGV[1] (re-entrant), or 0 when another owner holds the lease.
const ACQUIRE = `
local cur = redis.call('GET', KEYS[1])
if cur then
  local owner, fence = string.match(cur, '^(.*):(%d+)$')
  if owner == ARGV[1] then
    redis.call('PEXPIRE', KEYS[1], ARGV[2])
    return tonumber(fence)
  end
  if ARGV[3] == '' or owner ~= ARGV[3] then return 0 end
end
local f = redis.call('INCR', KEYS[2])
redis.call('SET', KEYS[1], ARGV[1] .. ':' .. f, 'PX', ARGV[2])
return f`;

// KEYS[1] lease. ARGV[1] "<owner>:<fence>", ARGV[2] ttl ms. Returns 1 if renewed, 0 if lost.
const RENEW = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0`;

// KEYS[1] lease. ARGV[1] "<owner>:<fence>". Returns 1 if released, 0 if it was not ours.
const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0`;

export class Lease {
  fence = 0;

  constructor(
    private readonly redis: Redis,
    readonly key: string,
    private readonly fenceKey: string,
    readonly owner: string,
    private readonly ttlMs: number,
  ) {}

  get held(): boolean {
    return this.fence > 0;
  }

  /**
   * Takes the lease if it is free (or already ours), or held by `displace` (an owner presumed
   * dead: if it is only paused, the larger fence refuses its writes). Returns the fence, 0 if
   * someone else holds it.
   */
  async acquire(displace = ""): Promise<number> {
    const f = await this.redis.eval(
      ACQUIRE,
      2,
      this.key,
      this.fenceKey,
      this.owner,
      this.ttlMs,
      displace,
    );
    this.fence = Number(f);
    if (this.fence > 0 && isCluster(this.redis)) await replicated(this.redis, this.key, this.ttlMs);
    return this.fence;
  }

  /** Extends the lease; false means it was lost (expired, then taken) and must not be used. */
  async renew(): Promise<boolean> {
    if (!this.held) return false;
    const ok = await this.redis.eval(RENEW, 1, this.key, `${this.owner}:${this.fence}`, this.ttlMs);
    if (Number(ok) !== 1) this.fence = 0;
    return this.held;
  }

  /** The owner named by the lease's current value, or null when free. */
  static ownerOf(value: string | null): string | null {
    const m = value ? /^(.*):(\d+)$/.exec(value) : null;
    return m ? m[1] : null;
  }

  async release(): Promise<void> {
    if (!this.held) return;
    const value = `${this.owner}:${this.fence}`;
    this.fence = 0;
    await this.redis.eval(RELEASE, 1, this.key, value);
  }
}

/**
 * On a Cluster, waits (at most a quarter of the TTL) until a replica of the key's master has the
 * writes made so far on our connection to it: a new fence is only used once it would survive a
 * failover. Replication is asynchronous; without this a master that dies right after ACQUIRE
 * could leave a promoted replica with the old fence, and the next owner would be handed a fence
 * the previous one already holds. With no replica (or one that lags past the wait) the lease is
 * used anyway: the window is then what it is on one node without persistence.
 */
async function replicated(cluster: Cluster, key: string, ttlMs: number): Promise<number> {
  const slot = new Command("get", [key]).getSlot() ?? 0;
  const addr = cluster.slots[slot]?.[0];
  const node = cluster.nodes("master").find((n) => `${n.options.host}:${n.options.port}` === addr);
  if (!node) return 0;
  return Number(await node.wait(1, Math.max(10, Math.floor(ttlMs / 4))).catch(() => 0));
}
