// Live rooms: only the room itself is stored (who owns it, whether it is open). Presence and
// messages live in Redis and on the wire; nothing is kept per member.
import { type Kysely, sql } from "kysely";

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE TABLE IF NOT EXISTS rooms (
    conversation_id VARCHAR(64) NOT NULL PRIMARY KEY,
    title VARCHAR(255) NOT NULL,
    owner_id BIGINT UNSIGNED NOT NULL,
    client_key VARCHAR(64) NOT NULL,
    created_at BIGINT NOT NULL,
    closed_at BIGINT NULL,
    UNIQUE KEY uq_rooms_owner (owner_id, client_key)
  ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE IF EXISTS rooms`.execute(db);
}
