import { type Kysely, sql } from "kysely";

// MySQL DDL is not transactional: each statement is idempotent so a half-run migration re-runs.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE TABLE IF NOT EXISTS users (
    id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    username VARCHAR(32) NOT NULL,
    password_hash VARCHAR(255) NOT NULL,
    nickname VARCHAR(64) NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE KEY uq_users_username (username)
  ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`.execute(db);

  await sql`CREATE TABLE IF NOT EXISTS refresh_tokens (
    id CHAR(32) NOT NULL PRIMARY KEY,
    family_id CHAR(32) NOT NULL,
    user_id BIGINT UNSIGNED NOT NULL,
    device_id VARCHAR(64) NOT NULL,
    secret_hash CHAR(64) NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT NULL,
    revoked_at BIGINT NULL,
    created_at BIGINT NOT NULL,
    KEY ix_refresh_family (family_id),
    KEY ix_refresh_user (user_id)
  ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`.execute(db);

  await sql`CREATE TABLE IF NOT EXISTS conversations (
    id VARCHAR(64) NOT NULL PRIMARY KEY,
    kind VARCHAR(16) NOT NULL,
    last_seq INT UNSIGNED NOT NULL DEFAULT 0,
    last_msg_id BIGINT UNSIGNED NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
  ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`.execute(db);

  await sql`CREATE TABLE IF NOT EXISTS conversation_members (
    conversation_id VARCHAR(64) NOT NULL,
    user_id BIGINT UNSIGNED NOT NULL,
    joined_at BIGINT NOT NULL,
    read_seq INT UNSIGNED NOT NULL DEFAULT 0,
    delivered_seq INT UNSIGNED NOT NULL DEFAULT 0,
    PRIMARY KEY (conversation_id, user_id),
    KEY ix_members_user (user_id, conversation_id)
  ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`.execute(db);

  await sql`CREATE TABLE IF NOT EXISTS messages (
    msg_id BIGINT UNSIGNED NOT NULL PRIMARY KEY,
    conversation_id VARCHAR(64) NOT NULL,
    seq INT UNSIGNED NOT NULL,
    sender_id BIGINT UNSIGNED NOT NULL,
    client_msg_id VARCHAR(64) NOT NULL,
    kind VARCHAR(16) NOT NULL,
    body TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    source_entry VARCHAR(48) NOT NULL,
    UNIQUE KEY uq_messages_seq (conversation_id, seq),
    UNIQUE KEY uq_messages_client (sender_id, client_msg_id)
  ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`.execute(db);

  await sql`CREATE TABLE IF NOT EXISTS partition_fences (
    partition_id INT UNSIGNED NOT NULL PRIMARY KEY,
    fence BIGINT UNSIGNED NOT NULL
  ) ENGINE=InnoDB`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const t of ["partition_fences", "messages", "conversation_members", "conversations"]) {
    await sql`DROP TABLE IF EXISTS ${sql.table(t)}`.execute(db);
  }
  await sql`DROP TABLE IF EXISTS refresh_tokens`.execute(db);
  await sql`DROP TABLE IF EXISTS users`.execute(db);
}
