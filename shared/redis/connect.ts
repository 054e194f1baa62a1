import { Redis } from "ioredis";
import type { Logger } from "../log.ts";

export type { Redis };

/**
 * Connection errors go to the JSON log (ioredis prints "Unhandled error event" to stderr when
 * nobody listens), once per outage rather than once per reconnect attempt.
 */
function logErrors(redis: Redis, name: string, log?: Logger): Redis {
  let down = false;
  redis.on("error", (err: Error) => {
    if (down) return;
    down = true;
    (log ?? quietLog).warn("redis connection error; reconnecting", { connection: name, err });
  });
  redis.on("ready", () => {
    if (down) (log ?? quietLog).info("redis connection restored", { connection: name });
    down = false;
  });
  return redis;
}

/** Without a logger (tools, tests) errors are still listened to, so nothing reaches stderr raw. */
const quietLog: Pick<Logger, "warn" | "info"> = { warn: () => {}, info: () => {} };

/** A command connection: fails fast while Redis is down so callers can treat it as transient. */
export function createRedis(url: string, name = "im", log?: Logger): Redis {
  return logErrors(
    new Redis(url, {
      connectionName: name,
      maxRetriesPerRequest: 2,
      enableAutoPipelining: true,
      lazyConnect: false,
    }),
    name,
    log,
  );
}

/**
 * A connection for appends whose order matters (a gateway's ingest): nothing is queued while
 * disconnected and nothing in flight is silently resent after a reconnect, so an append either
 * happens now, in order, or fails and the caller knows (see gateway/ws/session.ts).
 */
export function createOrderedRedis(url: string, name: string, log?: Logger): Redis {
  return logErrors(
    new Redis(url, {
      connectionName: name,
      enableOfflineQueue: false,
      autoResendUnfulfilledCommands: false,
      maxRetriesPerRequest: 0,
    }),
    name,
    log,
  );
}

/** A connection for one blocking reader loop (XREAD/XREADGROUP BLOCK holds the connection). */
export function createBlockingRedis(url: string, name: string, log?: Logger): Redis {
  return logErrors(new Redis(url, { connectionName: name, maxRetriesPerRequest: null }), name, log);
}
