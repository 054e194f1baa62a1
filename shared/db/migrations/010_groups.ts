// Groups: one row per group (keyed by its conversation id), pending join requests, and the
// member columns groups need: a per-member mute, and an index that counts a message's readers
// ("read by N") from the read cursors without scanning every member.
import { type Kysely, sql } from "kysely";
import { hasColumn, hasIndex } from "./util.ts";

export async function up(db: Kysely<unknown>): Promise<void> {
  // "groups" is a reserved word in MySQL 8.
  await sql`CREATE TABLE IF NOT EXISTS chat_groups (
    conversation_id VARCHAR(64) NOT NULL PRIMARY KEY,
    name VARCHAR(255) NOT NULL,
    avatar VARCHAR(2048) NOT NULL DEFAULT '',
    announcement TEXT NOT NULL,
    join_policy VARCHAR(16) NOT NULL,
    owner_id BIGINT UNSIGNED NOT NULL,
    member_count INT UNSIGNED NOT NULL,
    muted_all TINYINT NOT NULL DEFAULT 0,
    creator_id BIGINT UNSIGNED NOT NULL,
    client_key VARCHAR(64) NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    dissolved_at BIGINT NULL,
    UNIQUE KEY uq_groups_creator (creator_id, client_key)
  ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`.execute(db);

  await sql`CREATE TABLE IF NOT EXISTS group_requests (
    conversation_id VARCHAR(64) NOT NULL,
    user_id BIGINT UNSIGNED NOT NULL,
    message VARCHAR(2000) NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (conversation_id, user_id)
  ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`.execute(db);

  if (!(await hasColumn(db, "conversation_members", "muted_until"))) {
    await sql`ALTER TABLE conversation_members ADD COLUMN muted_until BIGINT NULL`.execute(db);
  }
  if (!(await hasIndex(db, "conversation_members", "ix_members_read"))) {
    await sql`ALTER TABLE conversation_members
      ADD INDEX ix_members_read (conversation_id, read_seq)`.execute(db);
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  if (await hasIndex(db, "conversation_members", "ix_members_read")) {
    await sql`ALTER TABLE conversation_members DROP INDEX ix_members_read`.execute(db);
  }
  if (await hasColumn(db, "conversation_members", "muted_until")) {
    await sql`ALTER TABLE conversation_members DROP COLUMN muted_until`.execute(db);
  }
  await sql`DROP TABLE IF EXISTS group_requests`.execute(db);
  await sql`DROP TABLE IF EXISTS chat_groups`.execute(db);
}
