// Rich messages: what a message carries besides its text. `body` stays the one column holding a
// message's text (an edit rewrites it; search indexes it). `content` is the kind's JSON (media
// reference, coordinates, custom payload, forwarded-from); `media_id` is indexed apart from it
// because downloads are checked through the messages that refer to an object.
import { type Kysely, sql } from "kysely";
import { hasColumn, hasIndex } from "./util.ts";

const COLUMNS: Array<[string, string]> = [
  ["content", "TEXT NULL"],
  ["media_id", "BIGINT UNSIGNED NULL"],
  ["reply_to_msg_id", "BIGINT UNSIGNED NULL"],
  ["edited_at", "BIGINT NULL"],
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const [name, type] of COLUMNS) {
    if (!(await hasColumn(db, "messages", name))) {
      await sql`ALTER TABLE messages ADD COLUMN ${sql.id(name)} ${sql.raw(type)}`.execute(db);
    }
  }
  if (!(await hasIndex(db, "messages", "ix_messages_media"))) {
    await sql`ALTER TABLE messages ADD KEY ix_messages_media (media_id)`.execute(db);
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  if (await hasIndex(db, "messages", "ix_messages_media")) {
    await sql`ALTER TABLE messages DROP KEY ix_messages_media`.execute(db);
  }
  for (const [name] of COLUMNS) {
    if (await hasColumn(db, "messages", name)) {
      await sql`ALTER TABLE messages DROP COLUMN ${sql.id(name)}`.execute(db);
    }
  }
}
