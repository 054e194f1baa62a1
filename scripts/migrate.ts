/**
 * `deno task migrate`: creates the database if missing, applies every migration, and (with
 * MYSQL_APP_URL) creates the runtime's DML-only user.
 */
import { ConfigError, loadConfig } from "@im/shared/config";
import { createDb, ensureAppUser, ensureDatabase, migrateToLatest } from "@im/shared/db";
import { preflight } from "./preflight.ts";

try {
  const config = loadConfig();
  const problems = await preflight(config);
  if (problems.length) {
    console.error(problems.join("\n"));
    Deno.exit(1);
  }
  await ensureDatabase(config.mysqlUrl);
  const db = createDb(config.mysqlUrl, 1);
  try {
    const applied = await migrateToLatest(db);
    console.log(applied.length ? `applied: ${applied.join(", ")}` : "schema is up to date");
    if (config.mysqlAppUrl) {
      const user = await ensureAppUser(config.mysqlUrl, config.mysqlAppUrl);
      console.log(`application user ${user}: SELECT, INSERT, UPDATE, DELETE only`);
    }
  } finally {
    await db.destroy();
  }
} catch (err) {
  console.error(err instanceof ConfigError ? err.message : err);
  Deno.exit(1);
}
