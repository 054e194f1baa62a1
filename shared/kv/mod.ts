/** The key-value port and its adapters; `createKv` picks one from the configuration. */
import { type Config, ConfigError } from "../config/mod.ts";
import type { Keys } from "../keys.ts";
import { createRedis } from "../redis/connect.ts";
import { IoredisKv } from "./ioredis.ts";
import type { KvStore } from "./port.ts";
import { UpstashKv } from "./upstash.ts";

export type { KvStore, LiveGateway, Route, SlotVerdict } from "./port.ts";
export { IoredisKv } from "./ioredis.ts";
export { KvError, UpstashKv } from "./upstash.ts";
export { MemoryKv } from "./memory.ts";

export type KvConfig = Pick<Config, "redisUrl" | "redisRestUrl" | "redisRestToken">;

/** REDIS_REST_URL and REDIS_REST_TOKEN select the REST adapter; otherwise REDIS_URL over TCP. */
export function createKv(config: KvConfig, keys: Keys, name = "kv"): KvStore {
  const { redisRestUrl: url, redisRestToken: token } = config;
  if (url || token) {
    if (!url || !token) {
      throw new ConfigError(["REDIS_REST_URL and REDIS_REST_TOKEN must be set together"]);
    }
    return new UpstashKv({ url, token }, keys);
  }
  return new IoredisKv(createRedis(config.redisUrl, name), keys, true);
}

/** Which adapter `createKv` picks, for start-up logs (never the token). */
export function kvKind(config: KvConfig): "rest" | "tcp" {
  return config.redisRestUrl ? "rest" : "tcp";
}
