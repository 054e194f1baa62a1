/** `deno task migrate`: creates the database if missing and applies every migration. */
import { ConfigError, loadConfig } from "@im/shared/config";
import { createDb, ensureDatabase, migrateToLatest } from "@im/shared/db";
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
  } finally {
    await db.destroy();
  }
} catch (err) {
  console.error(err instanceof ConfigError ? err.message : err);
  Deno.exit(1);
}
