/**
 * Store metrics every process exports the same way: Redis command latency (by connection and
 * command), MySQL query latency and the pool's connections and queue.
 */
import { Gauge, Histogram, LATENCY_BUCKETS, type Registry } from "../metrics.ts";
import type { DbObserver } from "../db/connect.ts";

export function redisLatency(registry: Registry): Histogram {
  return registry.add(
    new Histogram(
      "im_redis_command_seconds",
      "Redis command latency as the caller sees it (pipeline queueing included), by connection and command.",
      LATENCY_BUCKETS,
      ["connection", "command"],
    ),
  );
}

/** mysql2's pool keeps its counts in fields it does not document; read defensively. */
interface PoolInternals {
  _allConnections?: { length: number };
  _freeConnections?: { length: number };
  _connectionQueue?: { length: number };
  config?: { connectionLimit?: number };
}

export function mysqlObserver(registry: Registry, pool: string): DbObserver {
  const queries = registry.add(
    new Histogram(
      "im_mysql_query_seconds",
      "MySQL statement latency (from send to result, pool wait excluded), by pool and outcome.",
      LATENCY_BUCKETS,
      ["pool", "outcome"],
    ),
  );
  const ok = queries.labels(pool, "ok");
  const failed = queries.labels(pool, "error");
  const conns = registry.add(
    new Gauge("im_mysql_pool_connections", "MySQL pool connections, by pool and state.", [
      "pool",
      "state",
    ]),
  );
  const waiting = registry.add(
    new Gauge("im_mysql_pool_waiting", "Requests queued for a MySQL connection, by pool.", [
      "pool",
    ]),
  );
  return {
    query: (seconds, error) => (error ? failed : ok).observe(seconds),
    pool: (p) => {
      const i = p as PoolInternals;
      const all = () => i._allConnections?.length ?? 0;
      const free = () => i._freeConnections?.length ?? 0;
      conns.labels(pool, "open").set(all);
      conns.labels(pool, "idle").set(free);
      conns.labels(pool, "busy").set(() => all() - free());
      conns.labels(pool, "limit").set(i.config?.connectionLimit ?? 0);
      waiting.labels(pool).set(() => i._connectionQueue?.length ?? 0);
    },
  };
}
