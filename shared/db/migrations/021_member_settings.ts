// Each member's own settings of a conversation, and what the server-side conversation list pages
// by: pinned first, then the last activity (active_at: the last message, or joining), newest
// first. The index covers the list's order per user, so a page costs a range read of the page,
// never a scan of the user's conversations or history. hidden: out of the list until the next
// message (every head advance clears it).
import { type Kysely, sql } from "kysely";
import { hasColumn, hasIndex } from "./util.ts";

const COLUMNS: Array<[string, string]> = [
  ["pinned", "TINYINT(1) NOT NULL DEFAULT 0"],
  ["muted", "TINYINT(1) NOT NULL DEFAULT 0"],
  ["hidden", "TINYINT(1) NOT NULL DEFAULT 0"],
  ["active_at", "BIGINT NOT NULL DEFAULT 0"],
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const [name, type] of COLUMNS) {
    if (!(await hasColumn(db, "conversation_members", name))) {
      await sql`ALTER TABLE conversation_members ADD COLUMN ${sql.id(name)} ${sql.raw(type)}`
        .execute(db);
    }
  }
  // Idempotent: only rows never touched since the column appeared.
  await sql`UPDATE conversation_members m JOIN conversations c ON c.id = m.conversation_id
    SET m.active_at = GREATEST(c.updated_at, m.joined_at) WHERE m.active_at = 0`.execute(db);
  if (!(await hasIndex(db, "conversation_members", "ix_members_list"))) {
    await sql`CREATE INDEX ix_members_list ON conversation_members
      (user_id, hidden, pinned, active_at, conversation_id)`.execute(db);
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  if (await hasIndex(db, "conversation_members", "ix_members_list")) {
    await sql`DROP INDEX ix_members_list ON conversation_members`.execute(db);
  }
  for (const [name] of COLUMNS) {
    if (await hasColumn(db, "conversation_members", name)) {
      await sql`ALTER TABLE conversation_members DROP COLUMN ${sql.id(name)}`.execute(db);
    }
  }
}
