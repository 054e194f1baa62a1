// Blocks: one row per (user, the user they blocked). Read on every direct message, friend
// request and call invitation, so both directions are indexed.
import { type Kysely, sql } from "kysely";

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE TABLE IF NOT EXISTS user_blocks (
    user_id BIGINT UNSIGNED NOT NULL,
    blocked_id BIGINT UNSIGNED NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, blocked_id),
    KEY ix_blocks_blocked (blocked_id, user_id)
  ) ENGINE=InnoDB`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE IF EXISTS user_blocks`.execute(db);
}
