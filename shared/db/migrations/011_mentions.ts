// Mentions: the members a message mentions (JSON, null for none), and per conversation the
// latest seq that mentions everyone, so "@all" in a group of any size is one row, not one
// update per member (each member's own mentions stay in conversation_members.mention_seq).
import { type Kysely, sql } from "kysely";
import { hasColumn } from "./util.ts";

export async function up(db: Kysely<unknown>): Promise<void> {
  if (!(await hasColumn(db, "messages", "mentions"))) {
    await sql`ALTER TABLE messages ADD COLUMN mentions TEXT NULL`.execute(db);
  }
  if (!(await hasColumn(db, "conversations", "mention_all_seq"))) {
    await sql`ALTER TABLE conversations
      ADD COLUMN mention_all_seq INT UNSIGNED NOT NULL DEFAULT 0`.execute(db);
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  if (await hasColumn(db, "conversations", "mention_all_seq")) {
    await sql`ALTER TABLE conversations DROP COLUMN mention_all_seq`.execute(db);
  }
  if (await hasColumn(db, "messages", "mentions")) {
    await sql`ALTER TABLE messages DROP COLUMN mentions`.execute(db);
  }
}
