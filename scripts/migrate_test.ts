import assert from "node:assert/strict";
import { sql } from "kysely";
import { createDb, ensureAppUser } from "@im/shared/db";
import { testEnv, uniqueName } from "@im/shared/testing";

Deno.test("migrate: the application user can read and write rows, and nothing more", async () => {
  const env = await testEnv();
  const user = uniqueName("imtest").slice(0, 32);
  const urlWith = (password: string) => {
    const u = new URL(env.config.mysqlUrl);
    [u.username, u.password] = [user, encodeURIComponent(password)];
    return u.toString();
  };
  const admin = createDb(env.config.mysqlUrl, 1);
  try {
    assert.equal(await ensureAppUser(env.config.mysqlUrl, urlWith("first p@ss/word")), user);
    const app = createDb(urlWith("first p@ss/word"), 1);
    try {
      await sql`INSERT INTO partition_fences (partition_id, fence) VALUES (1, 1)`.execute(app);
      await sql`UPDATE partition_fences SET fence = 2 WHERE partition_id = 1`.execute(app);
      const rows = await sql<{ fence: string }>`SELECT fence FROM partition_fences`.execute(app);
      assert.equal(String(rows.rows[0].fence), "2");
      await sql`DELETE FROM partition_fences`.execute(app);
      for (const ddl of [sql`CREATE TABLE x (a INT)`, sql`DROP TABLE partition_fences`]) {
        await assert.rejects(ddl.execute(app), /command denied/);
      }
      await assert.rejects(sql`CREATE DATABASE ${sql.id(`${user}_x`)}`.execute(app), /denied/);
    } finally {
      await app.destroy();
    }
    // Running migrate again with a new password rotates it.
    await ensureAppUser(env.config.mysqlUrl, urlWith("second"));
    const rotated = createDb(urlWith("second"), 1);
    await sql`SELECT 1`.execute(rotated).finally(() => rotated.destroy());
    const stale = createDb(urlWith("first p@ss/word"), 1);
    await assert.rejects(sql`SELECT 1`.execute(stale), /Access denied/);
    await stale.destroy();
    await assert.rejects(
      ensureAppUser(env.config.mysqlUrl, urlWith("x").replace(/\/[^/]+$/, "/other")),
      /same database/,
    );
  } finally {
    await sql`DROP USER IF EXISTS ${user}@'%'`.execute(admin);
    await admin.destroy();
    await env.close();
  }
});
