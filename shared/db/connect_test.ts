import assert from "node:assert/strict";
import { sql } from "kysely";
import { loadConfig } from "../config/mod.ts";
import { createDb, splitMysqlUrl } from "./connect.ts";

Deno.test("db: worker sessions run READ COMMITTED and give up locks of an idle transaction", async () => {
  const { server } = splitMysqlUrl(loadConfig().mysqlUrl);
  const db = createDb(server, 1, { isolation: "READ COMMITTED", lockTimeoutSec: 3 });
  try {
    const r = await sql<{ iso: string; lw: number; idle: number | null }>`SELECT
      @@session.tx_isolation AS iso, @@session.innodb_lock_wait_timeout AS lw,
      @@session.idle_transaction_timeout AS idle`.execute(db);
    assert.equal(r.rows[0].iso, "READ-COMMITTED");
    assert.equal(Number(r.rows[0].lw), 3);
    assert.equal(Number(r.rows[0].idle), 3, "MariaDB aborts a transaction idle for 3 s");
  } finally {
    await db.destroy();
  }
});
