/**
 * The gateway registry: each gateway heartbeats its public URL and connection count every third
 * of GATEWAY_TTL_SEC; login and refresh hand out the least-loaded live one. A gateway that stops
 * heartbeating (SIGKILL) stops being handed out after GATEWAY_TTL_SEC (3 s by default), and a
 * client that could not connect names the gateway to avoid.
 */
import type { Redis } from "@im/shared/redis";
import type { Keys } from "@im/shared/keys";

export interface GatewayInfo {
  gatewayId: string;
  url: string;
  conns: number;
}

export class GatewayRegistry {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  async announce(info: GatewayInfo): Promise<void> {
    await this.redis.pipeline()
      .zadd(this.keys.gatewayRegistry(), this.now(), info.gatewayId)
      .hset(
        this.keys.gatewayInfo(),
        info.gatewayId,
        JSON.stringify({ url: info.url, conns: info.conns }),
      )
      .exec();
  }

  async withdraw(gatewayId: string): Promise<void> {
    await this.redis.pipeline()
      .zrem(this.keys.gatewayRegistry(), gatewayId)
      .hdel(this.keys.gatewayInfo(), gatewayId)
      .exec();
  }

  async live(): Promise<GatewayInfo[]> {
    const cutoff = this.now() - this.ttlMs;
    const ids = await this.redis.zrangebyscore(this.keys.gatewayRegistry(), cutoff, "+inf");
    if (ids.length === 0) return [];
    const infos = await this.redis.hmget(this.keys.gatewayInfo(), ...ids);
    const out: GatewayInfo[] = [];
    ids.forEach((gatewayId, i) => {
      const raw = infos[i];
      if (!raw) return;
      const { url, conns } = JSON.parse(raw) as { url: string; conns: number };
      out.push({ gatewayId, url, conns });
    });
    return out;
  }

  /**
   * The live gateway with the fewest connections (ties broken at random), or null. `avoid` (one
   * the client failed to reach) is handed out only when it is the only live one: the failure may
   * have been the client's network.
   */
  async pick(avoid?: string): Promise<GatewayInfo | null> {
    const all = await this.live();
    const others = all.filter((g) => g.gatewayId !== avoid);
    const live = others.length ? others : all;
    if (live.length === 0) return null;
    const min = Math.min(...live.map((g) => g.conns));
    const best = live.filter((g) => g.conns === min);
    return best[Math.floor(Math.random() * best.length)];
  }

  /** Removes gateways that have been silent for a minute (their routes expire on their own). */
  async prune(): Promise<void> {
    const key = this.keys.gatewayRegistry();
    const stale = await this.redis.zrangebyscore(key, "-inf", this.now() - this.ttlMs - 60_000);
    if (stale.length) {
      await this.redis.pipeline().zrem(key, ...stale).hdel(this.keys.gatewayInfo(), ...stale)
        .exec();
    }
  }
}
