import { CompiledQuery, Kysely, MysqlDialect, type Transaction } from "kysely";
import { createPool } from "mysql2";
import type { Database } from "./schema.ts";
import { enableWriteBehind } from "./write_behind.ts";

export type Db = Kysely<Database>;
/** What table functions take: the pool, or the caller's transaction so several compose in one commit. */
export type Exec = Kysely<Database> | Transaction<Database>;

/** Splits a mysql:// URL into the server URL and the database name in its path. */
export function splitMysqlUrl(url: string): { server: string; database: string } {
  const u = new URL(url);
  const database = decodeURIComponent(u.pathname.replace(/^\//, ""));
  if (!/^[A-Za-z0-9_]{1,64}$/.test(database)) {
    throw new Error("MYSQL_URL must name a database of [A-Za-z0-9_] in its path");
  }
  u.pathname = "/";
  return { server: u.toString(), database };
}

/** Metrics hooks of a pool: each statement's latency, and the pool to read its sizes from. */
export interface DbObserver {
  query(seconds: number, failed: boolean): void;
  pool(pool: unknown): void;
}

export interface DbOptions {
  /** Session isolation level of every connection (saves a statement per transaction). */
  isolation?: "READ COMMITTED" | "REPEATABLE READ";
  /**
   * Seconds a lock wait may last, and (MariaDB only) an open transaction may sit idle before the
   * server aborts it: a worker paused mid-transaction must not hold its rows' locks forever.
   */
  lockTimeoutSec?: number;
  observer?: DbObserver;
  /**
   * Hold a transaction's `begin` and its `later` statements and send them with its next
   * statement (write_behind.ts); turns on mysql2's multipleStatements for this pool only.
   */
  writeBehind?: boolean;
}

export function createDb(url: string, connectionLimit = 10, opts: DbOptions = {}): Db {
  const pool = createPool({
    uri: url,
    connectionLimit,
    supportBigNumbers: true,
    bigNumberStrings: true,
    charset: "utf8mb4_unicode_ci",
    timezone: "Z",
    ...(opts.writeBehind ? { multipleStatements: true } : {}),
  });
  // deno-lint-ignore no-explicit-any
  if (opts.writeBehind) pool.on("connection", (c: any) => enableWriteBehind(c));
  opts.observer?.pool(pool);
  const observer = opts.observer;
  return new Kysely<Database>({
    ...(observer
      ? {
        log: (e) => observer.query(e.queryDurationMillis / 1000, e.level === "error"),
      }
      : {}),
    dialect: new MysqlDialect({
      pool,
      onCreateConnection: async (conn) => {
        if (opts.isolation) {
          await conn.executeQuery(
            CompiledQuery.raw(`SET SESSION TRANSACTION ISOLATION LEVEL ${opts.isolation}`),
          );
        }
        if (opts.lockTimeoutSec) {
          const t = Math.max(1, Math.ceil(opts.lockTimeoutSec));
          // The /*M! */ part runs on MariaDB 10.3+ only; MySQL skips it as a comment.
          await conn.executeQuery(CompiledQuery.raw(
            `SET SESSION innodb_lock_wait_timeout = ${t} /*M!100300 , idle_transaction_timeout = ${t} */`,
          ));
        }
      },
    }),
  });
}
