/** Creates the database if missing and applies every migration in order. */
import { type Migration, type MigrationProvider, Migrator } from "kysely/migration";
import { sql } from "kysely";
import { createDb, type Db, splitMysqlUrl } from "./connect.ts";
import * as m001 from "./migrations/001_core.ts";
import * as m002 from "./migrations/002_delivery.ts";
import * as m003 from "./migrations/003_members.ts";
import * as m004 from "./migrations/004_member_window.ts";
import * as m005 from "./migrations/005_blocks.ts";
import * as m040 from "./migrations/040_presence_settings.ts";

// Listed statically (not read from disk) so bundles and compiled binaries carry them.
const MIGRATIONS: Record<string, Migration> = {
  "001_core": m001,
  "002_delivery": m002,
  "003_members": m003,
  "004_member_window": m004,
  "005_blocks": m005,
  "040_presence_settings": m040,
};

const provider: MigrationProvider = { getMigrations: () => Promise.resolve(MIGRATIONS) };

export async function ensureDatabase(mysqlUrl: string): Promise<void> {
  const { server, database } = splitMysqlUrl(mysqlUrl);
  const admin = createDb(server, 1);
  try {
    await sql`CREATE DATABASE IF NOT EXISTS ${sql.id(database)}
      CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`.execute(admin);
  } finally {
    await admin.destroy();
  }
}

export async function migrateToLatest(db: Db): Promise<string[]> {
  const migrator = new Migrator({ db, provider });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error;
  return (results ?? []).filter((r) => r.status === "Success").map((r) => r.migrationName);
}

export async function dropDatabase(mysqlUrl: string): Promise<void> {
  const { server, database } = splitMysqlUrl(mysqlUrl);
  const admin = createDb(server, 1);
  try {
    await sql`DROP DATABASE IF EXISTS ${sql.id(database)}`.execute(admin);
  } finally {
    await admin.destroy();
  }
}
