// What each member may see of a conversation, for every feature that narrows it: a member sees
// seqs in (cleared_seq, left_seq]. cleared_seq: "delete for me", or a group joined without its
// history; left_seq: set when a member leaves or is removed (a former member keeps reading up
// to it, and gets nothing after). mention_seq: the latest seq that mentions the member.
import { type Kysely, sql } from "kysely";
import { hasColumn } from "./util.ts";

const COLUMNS: Array<[string, string]> = [
  ["cleared_seq", "INT UNSIGNED NOT NULL DEFAULT 0"],
  ["left_seq", "INT UNSIGNED NULL"],
  ["mention_seq", "INT UNSIGNED NOT NULL DEFAULT 0"],
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const [name, type] of COLUMNS) {
    if (!(await hasColumn(db, "conversation_members", name))) {
      await sql`ALTER TABLE conversation_members ADD COLUMN ${sql.id(name)} ${sql.raw(type)}`
        .execute(db);
    }
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const [name] of COLUMNS) {
    if (await hasColumn(db, "conversation_members", name)) {
      await sql`ALTER TABLE conversation_members DROP COLUMN ${sql.id(name)}`.execute(db);
    }
  }
}
