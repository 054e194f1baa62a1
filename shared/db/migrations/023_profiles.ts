// Profiles: an avatar (a URL until media exists), a short bio, and the user's choice of who may
// message them (NULL: the server's DM_POLICY).
import { type Kysely, sql } from "kysely";
import { hasColumn } from "./util.ts";

const COLUMNS: Array<[string, string]> = [
  ["avatar_url", "VARCHAR(512) NOT NULL DEFAULT ''"],
  ["bio", "VARCHAR(255) NOT NULL DEFAULT ''"],
  ["dm_policy", "VARCHAR(16) NULL"],
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const [name, type] of COLUMNS) {
    if (!(await hasColumn(db, "users", name))) {
      await sql`ALTER TABLE users ADD COLUMN ${sql.id(name)} ${sql.raw(type)}`.execute(db);
    }
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const [name] of COLUMNS) {
    if (await hasColumn(db, "users", name)) {
      await sql`ALTER TABLE users DROP COLUMN ${sql.id(name)}`.execute(db);
    }
  }
}
