/**
 * The gateway registry: each gateway heartbeats its public URL and connection count every third
 * of GATEWAY_TTL_SEC; login and refresh hand out the least-loaded live one. A gateway that stops
 * heartbeating (SIGKILL) stops being handed out after GATEWAY_TTL_SEC (3 s by default), and a
 * client that could not connect names the gateway to avoid. Reads go through the KV port, so the
 * HTTP-only API (gateway/http_api.ts) picks gateways over the Redis REST API with the same code.
 */
import { pipeline, type Redis } from "@im/shared/redis";
import type { Keys } from "@im/shared/keys";
import { IoredisKv, type KvStore, type LiveGateway } from "@im/shared/kv";

export type GatewayInfo = LiveGateway;

/**
 * The live gateway with the fewest connections (ties broken at random), or null. `avoid` (one the
 * client failed to reach) is handed out only when it is the only live one: the failure may have
 * been the client's network.
 */
export async function pickGateway(
  kv: KvStore,
  ttlMs: number,
  now = Date.now(),
  avoid?: string,
): Promise<GatewayInfo | null> {
  const all = await kv.liveGateways(now - ttlMs);
  const others = all.filter((g) => g.gatewayId !== avoid);
  const live = others.length ? others : all;
  if (live.length === 0) return null;
  const min = Math.min(...live.map((g) => g.conns));
  const best = live.filter((g) => g.conns === min);
  return best[Math.floor(Math.random() * best.length)];
}

export class GatewayRegistry {
  private readonly kv: KvStore;

  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {
    this.kv = new IoredisKv(redis, keys);
  }

  async announce(info: GatewayInfo): Promise<void> {
    await pipeline(this.redis)
      .zadd(this.keys.gatewayRegistry(), this.now(), info.gatewayId)
      .hset(
        this.keys.gatewayInfo(),
        info.gatewayId,
        JSON.stringify({ url: info.url, conns: info.conns }),
      )
      .exec();
  }

  async withdraw(gatewayId: string): Promise<void> {
    await pipeline(this.redis)
      .zrem(this.keys.gatewayRegistry(), gatewayId)
      .hdel(this.keys.gatewayInfo(), gatewayId)
      .exec();
  }

  live(): Promise<GatewayInfo[]> {
    return this.kv.liveGateways(this.now() - this.ttlMs);
  }

  /** See `pickGateway`. */
  pick(avoid?: string): Promise<GatewayInfo | null> {
    return pickGateway(this.kv, this.ttlMs, this.now(), avoid);
  }

  /** Removes gateways that have been silent for a minute (their routes expire on their own). */
  async prune(): Promise<void> {
    const key = this.keys.gatewayRegistry();
    const stale = await this.redis.zrangebyscore(key, "-inf", this.now() - this.ttlMs - 60_000);
    if (stale.length) {
      await pipeline(this.redis).zrem(key, ...stale).hdel(this.keys.gatewayInfo(), ...stale)
        .exec();
    }
  }
}
