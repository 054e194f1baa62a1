import { Redis } from "ioredis";

export type { Redis };

/** A command connection: fails fast while Redis is down so callers can treat it as transient. */
export function createRedis(url: string, name = "im"): Redis {
  return new Redis(url, {
    connectionName: name,
    maxRetriesPerRequest: 2,
    enableAutoPipelining: true,
    lazyConnect: false,
  });
}

/** A connection for one blocking reader loop (XREAD/XREADGROUP BLOCK holds the connection). */
export function createBlockingRedis(url: string, name: string): Redis {
  return new Redis(url, { connectionName: name, maxRetriesPerRequest: null });
}
