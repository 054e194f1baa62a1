/**
 * Start-up checks that turn a driver error into a sentence an operator can act on. A store that
 * does not answer and one that refuses our credentials need opposite advice ("start it" vs "fix
 * the password"), so each failure is classified first.
 */
import type { Config } from "@im/shared/config";
import { Redis } from "ioredis";
import { parseClusterUrl } from "@im/shared/redis";
import { createDb, splitMysqlUrl } from "@im/shared/db";
import { sql } from "kysely";

export type Store = "redis" | "mysql";
/** unreachable: nothing answered; credentials: it answered and refused us; other: anything else. */
export type FailureKind = "unreachable" | "credentials" | "other";

export interface StoreProblem {
  store: Store;
  kind: FailureKind;
  /** The URL with its password replaced by ***. */
  url: string;
  /** The operator's sentence: what is wrong and what to do. */
  message: string;
}

const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ECONNRESET",
  "PROTOCOL_CONNECTION_LOST",
]);

function codeOf(err: unknown): string {
  return String((err as { code?: unknown })?.code ?? "");
}

export function classifyRedisError(err: unknown): FailureKind {
  const message = (err as Error)?.message ?? "";
  // NOAUTH: a password is required; WRONGPASS: wrong user or password; "called without any
  // password configured": we sent one the server does not have.
  if (/^(NOAUTH|WRONGPASS)|without any password configured|invalid password/i.test(message)) {
    return "credentials";
  }
  if (NETWORK_CODES.has(codeOf(err)) || /connect ETIMEDOUT|Connection is closed/.test(message)) {
    return "unreachable";
  }
  return "other";
}

export function classifyMysqlError(err: unknown): FailureKind {
  const code = codeOf(err);
  // 1045 wrong user or password, 1044 no rights on the database, 1698 socket-auth-only user.
  if (
    ["ER_ACCESS_DENIED_ERROR", "ER_DBACCESS_DENIED_ERROR", "ER_ACCESS_DENIED_NO_PASSWORD_ERROR"]
      .includes(code)
  ) return "credentials";
  if (NETWORK_CODES.has(code)) return "unreachable";
  return "other";
}

const LOOPBACK = new Set(["localhost", "127.0.0.1", "[::1]", "::1"]);

/** Host and port a store URL names, with the store's default port. */
export function addressOf(url: string, store: Store): { host: string; port: number } {
  const u = new URL(url);
  return { host: u.hostname, port: Number(u.port) || (store === "redis" ? 6379 : 3306) };
}

export function isLoopbackUrl(url: string): boolean {
  try {
    return LOOPBACK.has(new URL(url).hostname);
  } catch {
    return false;
  }
}

export function redisProblem(url: string, err: unknown): StoreProblem {
  const kind = classifyRedisError(err);
  const shown = redactCredentials(url);
  const why = (err as Error)?.message ?? String(err);
  const { host, port } = addressOf(url, "redis");
  const message = kind === "credentials"
    ? `Redis at ${shown} refused the credentials in REDIS_URL (${why}). Put the server's ` +
      `password in REDIS_URL as redis://:<password>@${host}:${port} (percent-encode ` +
      `reserved characters); with docker compose it is REDIS_PASSWORD in .env.`
    : kind === "unreachable"
    ? `Redis is not reachable at ${shown} (${why}). ` +
      (LOOPBACK.has(host)
        ? `Start it (redis-server --daemonize yes --bind 127.0.0.1 --port ${port}), or set REDIS_URL.`
        : `Check that it runs and that this machine can reach ${host}:${port}, or set REDIS_URL.`)
    : `Redis at ${shown} failed: ${why}.`;
  return { store: "redis", kind, url: shown, message };
}

export function mysqlProblem(url: string, err: unknown): StoreProblem {
  const kind = classifyMysqlError(err);
  const shown = redactCredentials(url);
  const why = (err as Error)?.message ?? String(err);
  const { host, port } = addressOf(url, "mysql");
  const message = kind === "credentials"
    ? `MySQL/MariaDB at ${shown} refused the credentials in MYSQL_URL (${why}). Fix the user ` +
      `or password in MYSQL_URL. With docker compose: MariaDB keeps the root password of its ` +
      `first start in its data volume, so changing MYSQL_ROOT_PASSWORD later has no effect; ` +
      `set the first one back in .env, or change it inside MariaDB (ALTER USER), or start ` +
      `over with an empty volume (docker compose down -v deletes all data).`
    : kind === "unreachable"
    ? `MySQL/MariaDB is not reachable at ${shown} (${why}). ` +
      (LOOPBACK.has(host)
        ? `Start it (e.g. start-stop-daemon --start --background --exec /usr/sbin/mariadbd, ` +
          `listening on port ${port}), or set MYSQL_URL.`
        : `Check that it runs and that this machine can reach ${host}:${port}, or set MYSQL_URL.`)
    : `MySQL/MariaDB at ${shown} failed: ${why}.`;
  return { store: "mysql", kind, url: shown, message };
}

/**
 * A `redis+cluster://` URL is checked seed by seed: fine when one answers (the client finds the
 * rest); otherwise the first seed's problem, so the message names a host and port.
 */
export async function checkRedis(url: string): Promise<StoreProblem | null> {
  const cluster = parseClusterUrl(url);
  if (!cluster) return await checkRedisNode(url);
  const auth = cluster.password
    ? `${encodeURIComponent(cluster.username ?? "")}:${encodeURIComponent(cluster.password)}@`
    : "";
  let first: StoreProblem | null = null;
  for (const n of cluster.nodes) {
    const host = n.host.includes(":") ? `[${n.host}]` : n.host;
    const problem = await checkRedisNode(`redis://${auth}${host}:${n.port}`);
    if (!problem) return null;
    first ??= problem;
  }
  return first;
}

async function checkRedisNode(url: string): Promise<StoreProblem | null> {
  const redis = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: 2000,
  });
  // The reason (NOAUTH, WRONGPASS, ECONNREFUSED) arrives as an "error" event; the rejected
  // promise only says "Connection is closed".
  let reason: unknown = null;
  redis.on("error", (err) => reason ??= err);
  try {
    await redis.connect();
    await redis.ping();
    return null;
  } catch (err) {
    return redisProblem(url, reason ?? err);
  } finally {
    redis.disconnect();
  }
}

export async function checkMysql(mysqlUrl: string): Promise<StoreProblem | null> {
  const { server } = splitMysqlUrl(mysqlUrl);
  const db = createDb(server, 1);
  try {
    await sql`SELECT 1`.execute(db);
    return null;
  } catch (err) {
    return mysqlProblem(server, err);
  } finally {
    await db.destroy().catch(() => {});
  }
}

export async function checkStores(config: Config): Promise<StoreProblem[]> {
  const found = await Promise.all([checkRedis(config.redisUrl), checkMysql(config.mysqlUrl)]);
  return found.filter((p): p is StoreProblem => p !== null);
}

/** Every store problem as one sentence each; empty when both stores answer. */
export async function preflight(config: Config): Promise<string[]> {
  return (await checkStores(config)).map((p) => p.message);
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
