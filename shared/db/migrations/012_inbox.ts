// Write diffusion: one inbox entry per member per message of a conversation that diffuses on
// write (direct chats, groups up to GROUP_WRITE_DIFFUSION_MAX), so a device syncs every such
// conversation from one cursor. Positions count per partition: a partition has one writer at a
// time (its fenced owner), so its positions commit in order and a cursor never skips an entry
// committed late; a device's cursor is one position per partition.
import { type Kysely, sql } from "kysely";

export async function up(db: Kysely<unknown>): Promise<void> {
  // A member's entry is only a pointer (user, partition, position): the message it points at is
  // named once per position in inbox_messages, so a 50-member message writes 50 short rows.
  await sql`CREATE TABLE IF NOT EXISTS inbox (
    user_id BIGINT UNSIGNED NOT NULL,
    part SMALLINT UNSIGNED NOT NULL,
    pos BIGINT UNSIGNED NOT NULL,
    PRIMARY KEY (user_id, part, pos)
  ) ENGINE=InnoDB`.execute(db);

  await sql`CREATE TABLE IF NOT EXISTS inbox_messages (
    part SMALLINT UNSIGNED NOT NULL,
    pos BIGINT UNSIGNED NOT NULL,
    conversation_id VARCHAR(64) NOT NULL,
    seq INT UNSIGNED NOT NULL,
    PRIMARY KEY (part, pos)
  ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`.execute(db);

  await sql`CREATE TABLE IF NOT EXISTS inbox_positions (
    part SMALLINT UNSIGNED NOT NULL PRIMARY KEY,
    pos BIGINT UNSIGNED NOT NULL
  ) ENGINE=InnoDB`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE IF EXISTS inbox_positions`.execute(db);
  await sql`DROP TABLE IF EXISTS inbox_messages`.execute(db);
  await sql`DROP TABLE IF EXISTS inbox`.execute(db);
}
