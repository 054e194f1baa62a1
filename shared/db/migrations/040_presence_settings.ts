// Presence settings: a user who hides their presence stays hidden across sessions and devices
// (and across a Redis loss: the flag is kept here, read at every fan-out).
import { type Kysely, sql } from "kysely";

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE TABLE IF NOT EXISTS presence_settings (
    user_id BIGINT UNSIGNED NOT NULL PRIMARY KEY,
    hidden TINYINT(1) NOT NULL DEFAULT 0,
    updated_at BIGINT NOT NULL
  ) ENGINE=InnoDB`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE IF EXISTS presence_settings`.execute(db);
}
