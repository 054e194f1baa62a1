// Conversations of N members: each member has a role (direct chats: both "member").
import { type Kysely, sql } from "kysely";
import { hasColumn } from "./util.ts";

export async function up(db: Kysely<unknown>): Promise<void> {
  if (!(await hasColumn(db, "conversation_members", "role"))) {
    await sql`ALTER TABLE conversation_members
      ADD COLUMN role VARCHAR(16) NOT NULL DEFAULT 'member'`.execute(db);
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  if (await hasColumn(db, "conversation_members", "role")) {
    await sql`ALTER TABLE conversation_members DROP COLUMN role`.execute(db);
  }
}
