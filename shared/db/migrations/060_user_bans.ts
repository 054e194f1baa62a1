// Bans: one row per banned user, the source of truth the admin API writes (a Redis marker beside
// it makes the per-connection check cheap). Login and refresh read it.
import { type Kysely, sql } from "kysely";

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE TABLE IF NOT EXISTS user_bans (
    user_id BIGINT UNSIGNED NOT NULL PRIMARY KEY,
    reason VARCHAR(200) NOT NULL,
    banned_at BIGINT NOT NULL
  ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE IF EXISTS user_bans`.execute(db);
}
