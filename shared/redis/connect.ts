import { Cluster, Redis as Single, type RedisOptions } from "ioredis";
import type { Logger } from "../log.ts";

/**
 * A Redis client: one node or a Cluster. Both run the same commands; what differs is that a
 * Cluster refuses a command or Lua script whose keys span slots, and a pipeline whose keys span
 * nodes (see pipeline.ts, which groups them).
 */
export type Redis = Single | Cluster;
export { Cluster, Single as SingleRedis };

/** `redis+cluster://[user:password@]host:port[,host:port...]`: seed nodes of a Redis Cluster. */
export const CLUSTER_SCHEME = "redis+cluster:";

export interface ClusterUrl {
  nodes: Array<{ host: string; port: number }>;
  username?: string;
  password?: string;
}

/** The seed nodes and credentials of a cluster URL, or null for a single-node URL. */
export function parseClusterUrl(url: string): ClusterUrl | null {
  if (!url.startsWith(`${CLUSTER_SCHEME}//`)) return null;
  const rest = url.slice(CLUSTER_SCHEME.length + 2).replace(/\/.*$/, "");
  const at = rest.lastIndexOf("@");
  const auth = at >= 0 ? rest.slice(0, at) : "";
  const hosts = at >= 0 ? rest.slice(at + 1) : rest;
  const nodes = hosts.split(",").filter(Boolean).map((h) => {
    const m = /^(\[[^\]]+\]|[^:]+):(\d+)$/.exec(h);
    if (!m) throw new Error(`REDIS_URL: "${h}" is not host:port`);
    return { host: m[1].replace(/^\[|\]$/g, ""), port: Number(m[2]) };
  });
  if (nodes.length === 0) throw new Error("REDIS_URL: a cluster URL names at least one node");
  const colon = auth.indexOf(":");
  const username = colon >= 0 ? decodeURIComponent(auth.slice(0, colon)) : "";
  const password = decodeURIComponent(colon >= 0 ? auth.slice(colon + 1) : auth);
  return { nodes, username: username || undefined, password: password || undefined };
}

export function isCluster(redis: Redis): redis is Cluster {
  return redis instanceof Cluster;
}

/**
 * Connection errors go to the JSON log (ioredis prints "Unhandled error event" to stderr when
 * nobody listens), once per outage rather than once per reconnect attempt.
 */
function logErrors<R extends Redis>(redis: R, name: string, log?: Logger): R {
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

/**
 * Commands whose first string argument is not their key. A Cluster's auto-pipelining groups
 * commands by the slot of the first string argument (ioredis 5), so these would be queued for
 * the wrong node; a MOVED reply inside a pipeline that also wrote is not retried, and the
 * command would fail. They are sent on their own, where MOVED is followed.
 */
const NOT_KEY_FIRST = [
  "eval",
  "evalsha",
  "eval_ro",
  "evalsha_ro",
  "fcall",
  "fcall_ro",
  "xread",
  "xreadgroup",
  "xgroup",
  "xinfo",
  "object",
  "memory",
  "bitop",
  "zunion",
  "zinter",
  "zdiff",
  "zintercard",
  "sintercard",
  "lmpop",
  "zmpop",
];

/**
 * The one place a client is made: a single node from `redis://`, a Cluster from
 * `redis+cluster://`. Options that a Cluster sets per node go to its `redisOptions`, except the
 * offline queue, which the Cluster keeps itself (it queues while it learns the slots).
 */
export function connectRedis(url: string, options: RedisOptions): Redis {
  const cluster = parseClusterUrl(url);
  if (!cluster) return new Single(url, options);
  const { enableOfflineQueue, ...perNode } = options;
  return new Cluster(cluster.nodes, {
    enableOfflineQueue: enableOfflineQueue ?? true,
    enableAutoPipelining: perNode.enableAutoPipelining,
    autoPipeliningIgnoredCommands: NOT_KEY_FIRST,
    maxRedirections: 16,
    // A failover takes a few seconds; commands wait for the new slot map, not error at once.
    retryDelayOnFailover: 200,
    retryDelayOnClusterDown: 200,
    redisOptions: {
      ...perNode,
      username: cluster.username,
      password: cluster.password,
    },
  });
}

/** A command connection: fails fast while Redis is down so callers can treat it as transient. */
export function createRedis(url: string, name = "im", log?: Logger): Redis {
  return logErrors(
    connectRedis(url, {
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
    connectRedis(url, {
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
  return logErrors(
    connectRedis(url, { connectionName: name, maxRetriesPerRequest: null }),
    name,
    log,
  );
}
