/** Creates the database if missing and applies every migration in order. */
import { type Migration, type MigrationProvider, Migrator } from "kysely/migration";
import { sql } from "kysely";
import { createDb, type Db, splitMysqlUrl } from "./connect.ts";
import * as m001 from "./migrations/001_core.ts";
import * as m002 from "./migrations/002_delivery.ts";
import * as m003 from "./migrations/003_members.ts";
import * as m004 from "./migrations/004_member_window.ts";
import * as m005 from "./migrations/005_blocks.ts";
import * as m050 from "./migrations/050_search.ts";
import { socialMigrations } from "./migrations/social.ts";
import * as m030 from "./migrations/030_rich_messages.ts";
import * as m031 from "./migrations/031_media.ts";
import * as m032 from "./migrations/032_reactions.ts";
import * as m010 from "./migrations/010_groups.ts";
import * as m011 from "./migrations/011_mentions.ts";
import * as m012 from "./migrations/012_inbox.ts";
import * as m013 from "./migrations/013_rooms.ts";
import * as m040 from "./migrations/040_presence_settings.ts";
import * as m060 from "./migrations/060_user_bans.ts";

// Listed statically (not read from disk) so bundles and compiled binaries carry them.
const MIGRATIONS: Record<string, Migration> = {
  "001_core": m001,
  "002_delivery": m002,
  "003_members": m003,
  "004_member_window": m004,
  "005_blocks": m005,
  "050_search": m050,
  ...socialMigrations,
  "030_rich_messages": m030,
  "031_media": m031,
  "032_reactions": m032,
  ...{ "010_groups": m010, "011_mentions": m011, "012_inbox": m012, "013_rooms": m013 },
  "040_presence_settings": m040,
  "060_user_bans": m060,
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

/**
 * The runtime's own MySQL user: gateways and workers only read and write rows, so the user in
 * `appUrl` gets SELECT, INSERT, UPDATE, DELETE on the database and nothing else (DDL stays with
 * the migrating user of `adminUrl`). Re-running sets the password from `appUrl` again, so
 * rotating it is: change it, run migrate, restart the app.
 */
export async function ensureAppUser(adminUrl: string, appUrl: string): Promise<string> {
  const { server, database } = splitMysqlUrl(adminUrl);
  const app = new URL(appUrl);
  const user = decodeURIComponent(app.username);
  const password = decodeURIComponent(app.password);
  if (splitMysqlUrl(appUrl).database !== database) {
    throw new Error("MYSQL_APP_URL must name the same database as MYSQL_URL");
  }
  if (!/^[A-Za-z0-9_]{1,32}$/.test(user)) {
    throw new Error("MYSQL_APP_URL's user must be 1-32 characters of [A-Za-z0-9_]");
  }
  if (!password) throw new Error("MYSQL_APP_URL must carry a password");
  const admin = createDb(server, 1);
  try {
    // '%': in compose the app connects from other containers, whose addresses vary.
    await sql`CREATE USER IF NOT EXISTS ${user}@'%' IDENTIFIED BY ${password}`.execute(admin);
    await sql`ALTER USER ${user}@'%' IDENTIFIED BY ${password}`.execute(admin);
    await sql`GRANT SELECT, INSERT, UPDATE, DELETE ON ${sql.id(database)}.* TO ${user}@'%'`
      .execute(admin);
  } finally {
    await admin.destroy();
  }
  return user;
}

export async function migrateToLatest(db: Db): Promise<string[]> {
  // Features number their migrations in their own ranges (010 groups, 020 social, ...): a
  // database migrated before one of them landed must still take it.
  const migrator = new Migrator({ db, provider, allowUnorderedMigrations: true });
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
