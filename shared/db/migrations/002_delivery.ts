import { type Kysely, sql } from "kysely";
import { hasColumn } from "./util.ts";

// Receipts, recall and reserved msgIds. Each step checks the catalog first so a re-run after a
// partial failure completes instead of failing (MySQL DDL is not transactional).
export async function up(db: Kysely<unknown>): Promise<void> {
  if (!(await hasColumn(db, "messages", "recalled_at"))) {
    await sql`ALTER TABLE messages ADD COLUMN recalled_at BIGINT NULL`.execute(db);
  }
  if (!(await hasColumn(db, "messages", "ref_msg_id"))) {
    await sql`ALTER TABLE messages ADD COLUMN ref_msg_id BIGINT UNSIGNED NULL`.execute(db);
  }
  await sql`CREATE TABLE IF NOT EXISTS reserved_ids (
    msg_id BIGINT UNSIGNED NOT NULL PRIMARY KEY,
    user_id BIGINT UNSIGNED NOT NULL,
    issued_at BIGINT NOT NULL,
    KEY ix_reserved_user (user_id)
  ) ENGINE=InnoDB`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE IF EXISTS reserved_ids`.execute(db);
  for (const c of ["ref_msg_id", "recalled_at"]) {
    if (await hasColumn(db, "messages", c)) {
      await sql`ALTER TABLE messages DROP COLUMN ${sql.id(c)}`.execute(db);
    }
  }
}
