// Uploaded media: one row per upload, bound to the conversation it was uploaded for. The row is
// written only after the object is complete in storage, so a row never names a missing object.
// Objects are never rewritten; a forward refers to the same row.
import { type Kysely, sql } from "kysely";

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE TABLE IF NOT EXISTS media (
    media_id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    conversation_id VARCHAR(64) NOT NULL,
    uploader_id BIGINT UNSIGNED NOT NULL,
    kind VARCHAR(16) NOT NULL,
    mime VARCHAR(127) NOT NULL,
    size BIGINT UNSIGNED NOT NULL,
    name VARCHAR(255) NOT NULL,
    width INT UNSIGNED NULL,
    height INT UNSIGNED NULL,
    duration_ms INT UNSIGNED NULL,
    storage_key VARCHAR(128) NOT NULL,
    thumb_key VARCHAR(128) NULL,
    thumb_width INT UNSIGNED NULL,
    thumb_height INT UNSIGNED NULL,
    created_at BIGINT NOT NULL,
    KEY ix_media_conversation (conversation_id),
    KEY ix_media_uploader (uploader_id)
  ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE IF EXISTS media`.execute(db);
}
