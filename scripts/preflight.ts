/**
 * Start-up checks that turn "ECONNREFUSED" into a sentence an operator can act on.
 */
import type { Config } from "@im/shared/config";
import { Redis } from "ioredis";
import { createDb, splitMysqlUrl } from "@im/shared/db";
import { sql } from "kysely";

export async function preflight(config: Config): Promise<string[]> {
  const problems: string[] = [];
  const redis = new Redis(config.redisUrl, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: 2000,
  });
  redis.on("error", () => {});
  try {
    await redis.connect();
    await redis.ping();
  } catch (err) {
    problems.push(
      `Redis is not reachable at ${redactCredentials(config.redisUrl)} (${
        (err as Error).message
      }). ` +
        `Start it: redis-server --daemonize yes --port 6379, or set REDIS_URL.`,
    );
  } finally {
    redis.disconnect();
  }
  const { server } = splitMysqlUrl(config.mysqlUrl);
  const db = createDb(server, 1);
  try {
    await sql`SELECT 1`.execute(db);
  } catch (err) {
    problems.push(
      `MySQL/MariaDB is not reachable at ${redactCredentials(server)} (${
        (err as Error).message
      }). ` +
        `Start it (e.g. start-stop-daemon --start --background --exec /usr/sbin/mariadbd), or set MYSQL_URL.`,
    );
  } finally {
    await db.destroy().catch(() => {});
  }
  return problems;
}

export function redactCredentials(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return "(unparseable URL)";
  }
}
