/**
 * The key-value port over the Redis REST API (Upstash, or SRH in front of any Redis) with
 * `@upstash/redis`: every call is an HTTPS POST, so it works where only HTTP egress exists.
 *
 * `automaticDeserialization: false` keeps values as the strings Redis stored (the client would
 * otherwise JSON-parse "1" into 1) and also skips the client's own reshaping: HGETALL comes
 * back as a flat [field, value, ...] array. Responses are base64 on the wire (the client asks
 * for `Upstash-Encoding: base64` and decodes), so any byte survives JSON.
 */
import { Redis } from "@upstash/redis";
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

export interface UpstashOptions {
  url: string;
  token: string;
  /** Per request, retries included: a hung endpoint fails the request instead of holding it. */
  timeoutMs?: number;
}

export class UpstashKv implements KvStore {
  private readonly redis: Redis;
  private readonly takeScript;
  private readonly returnScript;

  constructor(
    opts: UpstashOptions,
    private readonly keys: Keys,
    private readonly now: () => number = Date.now,
  ) {
    const timeoutMs = opts.timeoutMs ?? 5000;
    this.redis = new Redis({
      url: opts.url,
      token: opts.token,
      automaticDeserialization: false,
      // No runtime/platform headers sent to the endpoint.
      enableTelemetry: false,
      // Retries cover network errors only (an HTTP error is final). A retried write may apply
      // twice; every write here tolerates that (a counter slot taken twice errs on the safe side).
      retry: { retries: 2, backoff: (n) => 50 * 2 ** n },
      signal: () => AbortSignal.timeout(timeoutMs),
    });
    // EVALSHA first, EVAL once when the server answers NOSCRIPT.
    this.takeScript = this.redis.createScript<unknown>(TAKE_SLOT);
    this.returnScript = this.redis.createScript<unknown>(RETURN_SLOT);
  }

  isSessionRevoked(sessionId: string): Promise<boolean> {
    return this.#run(async () =>
      (await this.redis.exists(this.keys.revokedSession(sessionId))) === 1
    );
  }

  revokeSession(sessionId: string, ttlMs: number): Promise<void> {
    return this.#run(async () => {
      await this.redis.set(this.keys.revokedSession(sessionId), "1", { px: ttlMs });
    });
  }

  isUserBanned(userId: string): Promise<boolean> {
    return this.#run(async () => (await this.redis.exists(this.keys.bannedUser(userId))) === 1);
  }

  setUserBanned(userId: string, banned: boolean): Promise<void> {
    return this.#run(async () => {
      if (banned) await this.redis.set(this.keys.bannedUser(userId), "1");
      else await this.redis.del(this.keys.bannedUser(userId));
    });
  }

  liveRoutes(userId: string): Promise<Route[]> {
    return this.#run(async () => {
      const flat = await this.redis.hgetall(this.keys.routes(userId)) as unknown as string[] | null;
      return liveRoutesOf(pairsOf(flat), this.now());
    });
  }

  liveGateways(sinceMs: number): Promise<LiveGateway[]> {
    // One POST /pipeline: ids by heartbeat, and the (small) info hash whole.
    return this.#run(async () => {
      const [ids, info] = await this.redis.pipeline()
        .zrange(this.keys.gatewayRegistry(), sinceMs, "+inf", { byScore: true })
        .hgetall(this.keys.gatewayInfo())
        .exec() as unknown as [string[], string[] | null];
      return gatewaysOf(ids, pairsOf(info));
    });
  }

  takeSlot(key: string, limit: number, windowMs: number): Promise<SlotVerdict> {
    return this.#run(async () =>
      slotVerdictOf(await this.takeScript.exec([key], [String(limit), String(windowMs)]))
    );
  }

  returnSlot(key: string): Promise<void> {
    return this.#run(async () => {
      await this.returnScript.exec([key], []);
    });
  }

  clearCounter(key: string): Promise<void> {
    return this.#run(async () => {
      await this.redis.del(key);
    });
  }

  closeConnection(gatewayId: string, connId: string, code: number, reason: string) {
    const stream = this.keys.gateway(gatewayId);
    return this.#run(async () => {
      await this.redis.pipeline()
        .xadd(stream, "*", { [RESULT_FIELD]: closeLine(connId, code, reason) })
        .pexpire(stream, RESULT_STREAM_TTL_MS)
        .exec();
    });
  }

  ping(): Promise<void> {
    return this.#run(async () => {
      await this.redis.ping();
    });
  }

  close(): Promise<void> {
    return Promise.resolve(); // nothing held open but pooled keep-alive sockets
  }

  /**
   * The client's errors quote the whole command ("..., command was: [...]"), which would put
   * session ids, usernames and IPs into our logs: keep only Redis's own message.
   */
  async #run<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      throw new KvError(message.split(", command was:")[0]);
    }
  }
}

export class KvError extends Error {
  constructor(message: string) {
    super(`redis rest: ${message}`);
    this.name = "KvError";
  }
}
