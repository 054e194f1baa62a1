// Friends: one row per side of a friendship (each side keeps its own remark), and pending
// requests only (accepting, declining or cancelling deletes the row, so "a second request while
// one is pending" is the primary key). Lists page newest first by (created_at, other user); the
// block list (user_blocks, migration 005) gets the same index.
import { type Kysely, sql } from "kysely";
import { hasIndex } from "./util.ts";

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE TABLE IF NOT EXISTS friendships (
    user_id BIGINT UNSIGNED NOT NULL,
    friend_id BIGINT UNSIGNED NOT NULL,
    remark VARCHAR(64) NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, friend_id),
    KEY ix_friends_page (user_id, created_at, friend_id)
  ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`.execute(db);

  await sql`CREATE TABLE IF NOT EXISTS friend_requests (
    from_id BIGINT UNSIGNED NOT NULL,
    to_id BIGINT UNSIGNED NOT NULL,
    message VARCHAR(255) NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    PRIMARY KEY (from_id, to_id),
    KEY ix_requests_in (to_id, created_at, from_id),
    KEY ix_requests_out (from_id, created_at, to_id)
  ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`.execute(db);

  if (!(await hasIndex(db, "user_blocks", "ix_blocks_page"))) {
    await sql`CREATE INDEX ix_blocks_page ON user_blocks (user_id, created_at, blocked_id)`
      .execute(db);
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  if (await hasIndex(db, "user_blocks", "ix_blocks_page")) {
    await sql`DROP INDEX ix_blocks_page ON user_blocks`.execute(db);
  }
  await sql`DROP TABLE IF EXISTS friend_requests`.execute(db);
  await sql`DROP TABLE IF EXISTS friendships`.execute(db);
}
