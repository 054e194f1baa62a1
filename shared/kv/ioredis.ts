/** The key-value port over ioredis (TCP): what the gateway uses beside its streams. */
import type { Redis } from "../redis/connect.ts";
import { pipeline } from "../redis/pipeline.ts";
import type { Keys } from "../keys.ts";
import {
  closeLine,
  gatewaysOf,
  liveRoutesOf,
  pairsOf,
  RESULT_FIELD,
  RESULT_STREAM_TTL_MS,
  slotVerdictOf,
} from "./codec.ts";
import type { KvStore, LiveGateway, Route, SlotVerdict } from "./port.ts";
import { RETURN_SLOT, TAKE_SLOT } from "./scripts.ts";

export class IoredisKv implements KvStore {
  /**
   * `owned`: the adapter disconnects the connection on close(); a gateway passes its own
   * connection and closes it itself.
   */
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
    private readonly owned = false,
    private readonly now: () => number = Date.now,
  ) {}

  async isSessionRevoked(sessionId: string): Promise<boolean> {
    return (await this.redis.exists(this.keys.revokedSession(sessionId))) === 1;
  }

  async revokeSession(sessionId: string, ttlMs: number): Promise<void> {
    await this.redis.set(this.keys.revokedSession(sessionId), "1", "PX", ttlMs);
  }

  async isUserBanned(userId: string): Promise<boolean> {
    return (await this.redis.exists(this.keys.bannedUser(userId))) === 1;
  }

  async setUserBanned(userId: string, banned: boolean): Promise<void> {
    if (banned) await this.redis.set(this.keys.bannedUser(userId), "1");
    else await this.redis.del(this.keys.bannedUser(userId));
  }

  async liveRoutes(userId: string): Promise<Route[]> {
    const hash = await this.redis.hgetall(this.keys.routes(userId));
    return liveRoutesOf(pairsOf(hash), this.now());
  }

  async liveGateways(sinceMs: number): Promise<LiveGateway[]> {
    // One round trip: the info hash is small (one field per gateway), so read it whole.
    const res = await pipeline(this.redis)
      .zrangebyscore(this.keys.gatewayRegistry(), sinceMs, "+inf")
      .hgetall(this.keys.gatewayInfo())
      .exec();
    const [[e1, ids], [e2, info]] = res as [
      [Error | null, string[]],
      [Error | null, Record<string, string>],
    ];
    if (e1 || e2) throw e1 ?? e2;
    return gatewaysOf(ids, pairsOf(info));
  }

  async takeSlot(key: string, limit: number, windowMs: number): Promise<SlotVerdict> {
    return slotVerdictOf(await this.redis.eval(TAKE_SLOT, 1, key, limit, windowMs));
  }

  async returnSlot(key: string): Promise<void> {
    await this.redis.eval(RETURN_SLOT, 1, key);
  }

  async clearCounter(key: string): Promise<void> {
    await this.redis.del(key);
  }

  async closeConnection(gatewayId: string, connId: string, code: number, reason: string) {
    const stream = this.keys.gateway(gatewayId);
    const res = await pipeline(this.redis)
      .xadd(stream, "*", RESULT_FIELD, closeLine(connId, code, reason))
      .pexpire(stream, RESULT_STREAM_TTL_MS)
      .exec();
    const failed = res?.find(([err]) => err);
    if (failed) throw failed[0];
  }

  async ping(): Promise<void> {
    await this.redis.ping();
  }

  close(): Promise<void> {
    if (this.owned) this.redis.disconnect();
    return Promise.resolve();
  }
}
