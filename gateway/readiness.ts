/**
 * A gateway's readiness, per dependency: Redis (commands and routes), the ingest connection
 * (appends; a gateway without it refuses every stored frame), MySQL (the HTTP API), and the
 * drain. 503 names what fails, so an operator knows where to look; the errors themselves go to
 * the log (they name hosts, and this answer is public).
 */
import type { Db } from "@im/shared/db";
import type { Redis } from "@im/shared/redis";
import { sql } from "kysely";
import { probe } from "@im/shared/telemetry";

export interface GatewayReadinessDeps {
  redis: Redis;
  appender: Redis;
  db: Db;
  draining(): boolean;
  onError(dependency: string, err: unknown): void;
}

export function gatewayReadiness(d: GatewayReadinessDeps) {
  return async () => {
    const [redis, ingest, mysql] = await Promise.all([
      probe(() => d.redis.ping(), (err) => d.onError("redis", err)),
      // Its offline queue is off: while disconnected this fails at once instead of waiting.
      probe(() => d.appender.ping(), (err) => d.onError("ingest", err)),
      probe(() => sql`SELECT 1`.execute(d.db), (err) => d.onError("mysql", err)),
    ]);
    const draining = d.draining();
    return {
      ok: !draining && redis === "ok" && ingest === "ok" && mysql === "ok",
      draining,
      checks: { redis, ingest, mysql },
    };
  };
}
