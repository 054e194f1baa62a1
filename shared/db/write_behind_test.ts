/**
 * Write-behind against the real MariaDB: held writes are seen by the transaction's later reads
 * and committed with it, in fewer round trips; a held write that fails fails the transaction and
 * nothing of it stays; outside a transaction and on a plain pool, `later` runs at once; values
 * with `?` and quotes survive the merged statement.
 */
import assert from "node:assert/strict";
import { sql } from "kysely";
import { loadConfig } from "../config/mod.ts";
import { uniqueName } from "../testing.ts";
import { createDb, type Db, splitMysqlUrl } from "./connect.ts";
import { ensureDatabase } from "./migrate.ts";
import {
  boundText,
  insertRows,
  later,
  marks,
  MAX_HELD_BYTES,
  readTogether,
  rowsOf,
  selectIn,
  takesMultiStatements,
  writeBehindStats,
} from "./write_behind.ts";

interface T {
  t: { id: number; v: string };
}

async function withDb(writeBehind: boolean, fn: (db: Db, plain: Db) => Promise<void>) {
  const { server } = splitMysqlUrl(loadConfig().mysqlUrl);
  const url = `${server}${uniqueName("wb")}`;
  await ensureDatabase(url);
  const db = createDb(url, 2, { writeBehind });
  const plain = createDb(url, 1);
  try {
    await sql`CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(64) NOT NULL)`.execute(db);
    await fn(db, plain);
  } finally {
    await sql.raw(`DROP DATABASE ${splitMysqlUrl(url).database}`).execute(plain);
    await db.destroy();
    await plain.destroy();
  }
}

// deno-lint-ignore no-explicit-any
const tOf = (db: Db) => db as any as import("kysely").Kysely<T>;

Deno.test("write-behind: held writes are read back in the transaction, commit with it, in fewer round trips", async () => {
  await withDb(true, async (db, plain) => {
    const before = { ...writeBehindStats };
    const seen = await db.transaction().execute(async (tx) => {
      const t = tOf(tx as unknown as Db);
      await later(tx, t.insertInto("t").values({ id: 1, v: "what? it's 'quoted' \\ ok" }));
      await later(tx, t.insertInto("t").values({ id: 2, v: "two" }));
      await later(tx, t.updateTable("t").set({ v: "2?" }).where("id", "=", 2));
      // The read rides with begin and the three writes, and sees them.
      return await t.selectFrom("t").select(["id", "v"]).orderBy("id").execute();
    });
    assert.deepEqual(seen, [
      { id: 1, v: "what? it's 'quoted' \\ ok" },
      { id: 2, v: "2?" },
    ]);
    // begin + 3 writes + the read: one round trip; commit: another.
    assert.equal(writeBehindStats.roundTrips - before.roundTrips, 2);
    assert.equal(writeBehindStats.statements - before.statements, 6);
    const committed = await tOf(plain).selectFrom("t").select(["id", "v"]).orderBy("id").execute();
    assert.deepEqual(committed, seen, "another connection sees the committed rows");

    // Writes held to the end go with commit.
    await db.transaction().execute(async (tx) => {
      await later(tx, tOf(tx as unknown as Db).insertInto("t").values({ id: 3, v: "three" }));
    });
    const three = await tOf(plain).selectFrom("t").select("v").where("id", "=", 3).execute();
    assert.deepEqual(three, [{ v: "three" }]);
  });
});

Deno.test("write-behind: a held write that fails fails the transaction, and none of it stays", async () => {
  await withDb(true, async (db, plain) => {
    await tOf(db).insertInto("t").values({ id: 1, v: "one" }).execute();
    await assert.rejects(
      db.transaction().execute(async (tx) => {
        const t = tOf(tx as unknown as Db);
        await later(tx, t.insertInto("t").values({ id: 2, v: "two" }));
        await later(tx, t.insertInto("t").values({ id: 1, v: "duplicate" })); // fails at commit
      }),
      (err: Error & { code?: string }) => err.code === "ER_DUP_ENTRY",
    );
    const rows = await tOf(plain).selectFrom("t").select(["id", "v"]).execute();
    assert.deepEqual(rows, [{ id: 1, v: "one" }], "the transaction rolled back");
    // The connection is clean for the next transaction: nothing held leaks into it.
    await db.transaction().execute(async (tx) => {
      await later(tx, tOf(tx as unknown as Db).insertInto("t").values({ id: 5, v: "five" }));
    });
    const after = await tOf(plain).selectFrom("t").select("id").orderBy("id").execute();
    assert.deepEqual(after.map((r) => r.id), [1, 5]);

    // A transaction that throws before sending anything rolls back without a server round trip.
    const rt = writeBehindStats.roundTrips;
    await assert.rejects(
      db.transaction().execute(async (tx) => {
        await later(tx, tOf(tx as unknown as Db).insertInto("t").values({ id: 6, v: "six" }));
        throw new Error("handler failed");
      }),
      /handler failed/,
    );
    assert.equal(writeBehindStats.roundTrips, rt);
    const none = await tOf(plain).selectFrom("t").select("id").where("id", "=", 6).execute();
    assert.deepEqual(none, []);
  });
});

Deno.test("write-behind: past MAX_HELD_BYTES held writes go out early, and all of them commit", async () => {
  await withDb(true, async (db, plain) => {
    await sql`CREATE TABLE big (id INT PRIMARY KEY, v MEDIUMTEXT NOT NULL)`.execute(db);
    const chunk = "x".repeat(MAX_HELD_BYTES / 3);
    const before = writeBehindStats.roundTrips;
    await db.transaction().execute(async (tx) => {
      // deno-lint-ignore no-explicit-any
      const t = tx as any as import("kysely").Kysely<{ big: { id: number; v: string } }>;
      for (let i = 0; i < 7; i++) await later(tx, t.insertInto("big").values({ id: i, v: chunk }));
    });
    assert.ok(writeBehindStats.roundTrips - before >= 3, "sent in several round trips");
    const n = await sql<{ n: number }>`SELECT COUNT(*) AS n, SUM(LENGTH(v)) AS len FROM big`
      .execute(plain);
    assert.equal(Number(n.rows[0].n), 7);
  });
});

Deno.test("write-behind: outside a transaction, and on a pool without it, later runs at once", async () => {
  await withDb(false, async (db, plain) => {
    await later(db, tOf(db).insertInto("t").values({ id: 1, v: "now" }));
    await db.transaction().execute(async (tx) => {
      await later(tx, tOf(tx as unknown as Db).insertInto("t").values({ id: 2, v: "in tx" }));
    });
    const rows = await tOf(plain).selectFrom("t").select("id").orderBy("id").execute();
    assert.deepEqual(rows.map((r) => r.id), [1, 2]);
  });
  await withDb(true, async (db, plain) => {
    await later(db, tOf(db).insertInto("t").values({ id: 1, v: "autocommit" }));
    // Visible to another connection at once: it was not held for someone else's statement.
    const rows = await tOf(plain).selectFrom("t").select("v").execute();
    assert.deepEqual(rows, [{ v: "autocommit" }]);
  });
});

Deno.test("write-behind: readTogether answers several reads in one round trip, behind held writes too", async () => {
  await withDb(true, async (db) => {
    await tOf(db).insertInto("t").values([{ id: 1, v: "a" }, { id: 2, v: "b?" }]).execute();
    const q = (tx: Db, id: number) =>
      tOf(tx).selectFrom("t").select(["id", "v"]).where("id", "=", id);
    const before = writeBehindStats.roundTrips;
    const [one, two, none] = await db.transaction().execute(async (tx) => {
      const t = tx as unknown as Db;
      await later(tx, tOf(t).insertInto("t").values({ id: 3, v: "held" }));
      return await readTogether(tx, [q(t, 1), q(t, 3), q(t, 9)], takesMultiStatements(db));
    });
    assert.deepEqual([one, two, none], [[{ id: 1, v: "a" }], [{ id: 3, v: "held" }], []]);
    assert.equal(writeBehindStats.roundTrips - before, 2, "begin, write and reads; commit");
    // Without held statements, and outside a transaction.
    const [a, b] = await readTogether(db, [q(db, 2), q(db, 1)], true);
    assert.deepEqual([a, b], [[{ id: 2, v: "b?" }], [{ id: 1, v: "a" }]]);
  });
  await withDb(false, async (db) => {
    await tOf(db).insertInto("t").values({ id: 1, v: "a" }).execute();
    assert.equal(takesMultiStatements(db), false);
    const q = tOf(db).selectFrom("t").select("id");
    assert.deepEqual(await readTogether(db, [q, q], false), [[{ id: 1 }], [{ id: 1 }]]);
  });
});

Deno.test("write-behind: insertRows writes many rows as one bound statement, values escaped", async () => {
  const q = insertRows("inbox", ["user_id", "part", "pos"], [["a", 1, "2"], ["b'", 3, "4"]])
    .compile();
  assert.equal(q.sql, "insert into `inbox` (`user_id`, `part`, `pos`) values (?, ?, ?), (?, ?, ?)");
  assert.deepEqual(q.parameters, ["a", 1, "2", "b'", 3, "4"]);
  assert.throws(() => insertRows("inbox", ["user_id", "part", "pos"], [["a", 1]]).compile());
  await withDb(true, async (db, plain) => {
    await sql`CREATE TABLE inbox (user_id VARCHAR(32), part INT, pos BIGINT, PRIMARY KEY (user_id, part, pos))`
      .execute(db);
    const rows = Array.from({ length: 500 }, (_, i) => [`u'${i}\\?`, i % 7, String(i)]);
    await db.transaction().execute(async (tx) => {
      await later(tx, insertRows("inbox", ["user_id", "part", "pos"], rows));
    });
    const back = await sql<{ user_id: string; part: number; pos: string }>`
      SELECT user_id, part, pos FROM inbox ORDER BY pos + 0`.execute(plain);
    assert.equal(back.rows.length, 500);
    assert.deepEqual(
      back.rows.map((r) => [r.user_id, Number(r.part), String(r.pos)]),
      rows,
      "every row, quotes and backslashes intact",
    );
  });
});

Deno.test("write-behind: insertRows upserts with its fixed ON DUPLICATE text; boundText binds an IN list", async () => {
  const upsert = (rows: Array<[number, string]>) =>
    insertRows("inbox_positions", ["part", "pos"], rows, "`pos` = GREATEST(pos, VALUES(pos))");
  assert.equal(
    upsert([[1, "5"]]).compile().sql,
    "insert into `inbox_positions` (`part`, `pos`) values (?, ?) " +
      "on duplicate key update `pos` = GREATEST(pos, VALUES(pos))",
  );
  assert.equal(marks(3), "?, ?, ?");
  assert.equal(
    selectIn("inbox_positions", ["part", "pos"], "part", [1, 2], true).compile().sql,
    "select `part`, `pos` from `inbox_positions` where `part` in (?, ?) for update",
  );
  await withDb(true, async (db, plain) => {
    await sql`CREATE TABLE inbox_positions (part INT PRIMARY KEY, pos BIGINT NOT NULL)`.execute(db);
    await db.transaction().execute(async (tx) => {
      await later(tx, upsert([[1, "5"], [2, "7"]]));
      await later(tx, upsert([[1, "9"], [2, "3"], [3, "1"]])); // 2 keeps 7: GREATEST ran
    });
    const ids = [1, 3, "3' or '1'='1"]; // a value with quotes stays a value
    const rows = await rowsOf<{ part: number; pos: string }>(
      plain,
      boundText(
        `select part, pos from inbox_positions where part in (${marks(ids.length)}) order by part`,
        ids,
      ),
    );
    assert.deepEqual(rows.map((r) => [Number(r.part), String(r.pos)]), [[1, "9"], [3, "1"]]);
    const all = await sql<{ part: number; pos: string }>`
      SELECT part, pos FROM inbox_positions ORDER BY part`.execute(plain);
    assert.deepEqual(all.rows.map((r) => [Number(r.part), String(r.pos)]), [[1, "9"], [2, "7"], [
      3,
      "1",
    ]]);
  });
});
