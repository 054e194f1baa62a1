/**
 * Write-behind inside a transaction: statements whose results nobody reads (`later`) and the
 * transaction's `begin` are held on the connection and sent in front of its next statement, as
 * one multi-statement round trip; the last of them rides with `commit`. A batch that read three
 * times and wrote five times costs four round trips instead of ten (issue 10: on this stack each
 * round trip costs the worker about 100 µs of CPU and the batch its wall time).
 *
 * Semantics stay those of sending each statement at once: the server runs them in order on the
 * same connection, so a later read of the transaction sees the held writes; a held statement that
 * fails fails the statement it rode with (MariaDB stops a multi-statement at its first error), so
 * the transaction throws and rolls back, and `rollback` drops what is still held. Outside a
 * transaction nothing is held: `later` runs at once (a pooled connection must never carry one
 * caller's write into another's statement). On a connection without write-behind, `later` is an
 * ordinary statement (its marker is an SQL comment).
 *
 * Only a pool created with `writeBehind` (createDb) has it; it needs mysql2's
 * `multipleStatements`, which that pool alone turns on. Values are still bound by mysql2's
 * escaping, statement by statement, as before.
 */
import { CompiledQuery } from "kysely";
import type { Exec } from "./connect.ts";
import type { Database } from "./schema.ts";

/** The prefix that marks a statement as "send with the next one". */
export const LATER = "/*im:later*/ ";

/**
 * Held text beyond which a `later` is sent at once with what is held (a large group's inbox rows
 * must not grow one packet towards max_allowed_packet, 16 MiB by default).
 */
export const MAX_HELD_BYTES = 1 << 20;

/** Prefix of several reads sent as one statement text by readTogether (an SQL comment). */
const READS = /^\/\*im:reads=(\d+)\*\/ /;

/** Pools created with writeBehind (createDb): they take several statements in one text. */
const multiStatement = new WeakSet<object>();

export function markMultiStatement(db: object): void {
  multiStatement.add(db);
}

/** True for a pool created with writeBehind (its transactions may use readTogether's one trip). */
export function takesMultiStatements(db: object): boolean {
  return multiStatement.has(db);
}

/** Something that compiles to one statement (a Kysely builder, or a raw sql`` bound to its db). */
export interface OneStatement {
  compile(): CompiledQuery;
}

/**
 * Several independent reads: in one round trip when `oneTrip` (a connection of a writeBehind
 * pool), else one after another. Returns each read's rows, in order.
 */
export async function readTogether(
  db: Exec,
  reads: OneStatement[],
  oneTrip: boolean,
): Promise<unknown[][]> {
  if (!oneTrip || reads.length < 2) {
    const out: unknown[][] = [];
    for (const r of reads) out.push(await rowsOf(db, r));
    return out;
  }
  const compiled = reads.map((r) => r.compile());
  const text = `/*im:reads=${reads.length}*/ ` + compiled.map((c) => c.sql).join(";\n");
  const res = await db.executeQuery(
    CompiledQuery.raw(text, compiled.flatMap((c) => [...c.parameters])),
  );
  return res.rows as unknown as unknown[][];
}

/** Sent statements and round trips of every write-behind connection (tests, metrics). */
export const writeBehindStats = { statements: 0, roundTrips: 0 };

/** Runs `q` now or, inside a write-behind transaction, with the transaction's next statement. */
export async function later(db: Exec, q: OneStatement): Promise<void> {
  const c = q.compile();
  await db.executeQuery(CompiledQuery.raw(LATER + c.sql, [...c.parameters]));
}

type Callback = (err: unknown, result?: unknown, fields?: unknown) => void;
interface QueryConnection {
  query(sql: unknown, values?: unknown, cb?: unknown): unknown;
}

/** What a held statement answers at once (mysql2's ResultSetHeader shape). */
const HELD = Object.freeze({
  fieldCount: 0,
  affectedRows: 0,
  insertId: 0,
  info: "",
  serverStatus: 0,
  warningStatus: 0,
  changedRows: 0,
});

/** Patches one mysql2 connection (the pool's "connection" event hands each new one). */
export function enableWriteBehind(conn: QueryConnection): void {
  const send = conn.query.bind(conn) as (sql: string, values: unknown[], cb: Callback) => unknown;
  let inTx = false;
  let heldSql: string[] = [];
  let heldValues: unknown[] = [];
  let heldBytes = 0;
  conn.query = (sql: unknown, values?: unknown, cb?: unknown) => {
    if (typeof values === "function") [cb, values] = [values, undefined];
    // Anything but Kysely's (sql, values, callback) form goes through untouched.
    if (typeof sql !== "string" || typeof cb !== "function") {
      return send(sql as string, values as unknown[], cb as Callback);
    }
    const done = cb as Callback;
    const params = Array.isArray(values) ? values : [];
    // Kysely's transaction statements are exactly these words (its MySQL driver).
    const verb = sql === "begin" || sql === "commit" || sql === "rollback" ? sql : "";
    const size = verb === "begin" || (inTx && sql.startsWith(LATER))
      ? sql.length + params.reduce<number>((n, v) => n + String(v).length, 0)
      : -1;
    if (size >= 0 && (verb === "begin" || heldBytes + size <= MAX_HELD_BYTES)) {
      inTx = true;
      heldSql.push(sql);
      heldValues.push(...params);
      heldBytes += size;
      queueMicrotask(() => done(null, HELD, undefined));
      return;
    }
    if (verb === "rollback") {
      const wasHolding = heldSql[0] === "begin";
      heldSql = [];
      heldValues = [];
      heldBytes = 0;
      inTx = false;
      // A transaction whose begin never left has nothing to roll back on the server.
      if (wasHolding) return queueMicrotask(() => done(null, HELD, undefined));
    } else if (verb === "commit") inTx = false;
    // Several reads in one text (readTogether) answer with all their result sets.
    const reads = Number(READS.exec(sql)?.[1] ?? 1);
    writeBehindStats.roundTrips++;
    writeBehindStats.statements += heldSql.length + reads;
    if (heldSql.length === 0) return send(sql, params, done);
    const n = heldSql.length + 1;
    const text = [...heldSql, sql].join(";\n");
    const all = [...heldValues, ...params];
    heldSql = [];
    heldValues = [];
    heldBytes = 0;
    return send(text, all, (err, results, fields) => {
      if (err) return done(err);
      const rs = results as unknown[], fs = fields as unknown[] | undefined;
      if (reads > 1) return done(null, rs.slice(n - 1), fs?.slice(n - 1));
      done(null, rs[n - 1], fs?.[n - 1]);
    });
  };
}

/**
 * One statement as bound text: `?` placeholders whose values mysql2 binds (escapes) exactly as
 * it does Kysely's. For the fixed-shape statements every batch runs (the fence check, the heads,
 * the message row, the cursors): Kysely builds, freezes and compiles a node tree per statement,
 * 7-20 µs each in a hot loop and about a fifth of the worker's CPU for a one-entry batch
 * (docs/BENCHMARKS.md "Latency at everyday load"). The text is ours, never input: names come
 * from the schema's types, values only through `params`.
 */
export function boundText(text: string, params: ReadonlyArray<unknown>): OneStatement {
  return { compile: () => CompiledQuery.raw(text, [...params]) };
}

/** `n` placeholders for an IN list or a row: `?, ?, ?`. */
export const marks = (n: number): string => new Array(n).fill("?").join(", ");

/**
 * `SELECT columns FROM table WHERE key IN (values)` as bound text, optionally `FOR UPDATE`: the
 * shape of the hot path's keyed reads (heads, inbox positions). Names come from the schema's
 * types; `values` must not be empty.
 */
export function selectIn<T extends keyof Database & string>(
  table: T,
  columns: ReadonlyArray<keyof Database[T] & string>,
  key: keyof Database[T] & string,
  values: ReadonlyArray<unknown>,
  forUpdate = false,
): OneStatement {
  const names = columns.map((c) => `\`${c}\``).join(", ");
  return boundText(
    `select ${names} from \`${table}\` where \`${key}\` in (${marks(values.length)})` +
      (forUpdate ? " for update" : ""),
    values,
  );
}

/** The rows of a read built as bound text (boundText), run now. */
export async function rowsOf<R>(db: Exec, q: OneStatement): Promise<R[]> {
  return (await db.executeQuery(q.compile())).rows as R[];
}

/**
 * A multi-row INSERT written as text, for the hot inserts (the inbox: one row per recipient;
 * the rows of every batch). Kysely's builder makes and freezes a node per value: 590 µs for 500
 * inbox rows against 52 µs as text (measured 2026-12-02). Values are bound by mysql2 as with
 * Kysely; table and column names come from the schema's types, never from input, and so does
 * `onDuplicate`, the text after ON DUPLICATE KEY UPDATE (our own, fixed).
 */
export function insertRows<T extends keyof Database & string>(
  table: T,
  columns: ReadonlyArray<keyof Database[T] & string>,
  rows: ReadonlyArray<ReadonlyArray<unknown>>,
  onDuplicate?: string,
): OneStatement {
  return {
    compile() {
      const one = `(${marks(columns.length)})`;
      const names = columns.map((c) => `\`${c}\``).join(", ");
      const params: unknown[] = [];
      for (const r of rows) {
        if (r.length !== columns.length) throw new Error(`insertRows(${table}): row width`);
        for (const v of r) params.push(v);
      }
      const update = onDuplicate ? ` on duplicate key update ${onDuplicate}` : "";
      return CompiledQuery.raw(
        `insert into \`${table}\` (${names}) values ${
          new Array(rows.length).fill(one).join(", ")
        }${update}`,
        params,
      );
    },
  };
}
