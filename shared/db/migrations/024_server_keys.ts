// Keys the server makes for itself, shared by every worker: `paging` signs list cursors so a
// client cannot forge or alter one. Made once per deployment here (the runtime's DB user may
// not write DDL), never configured, never leaves the database.
import { type Kysely, sql } from "kysely";

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE TABLE IF NOT EXISTS server_keys (
    name VARCHAR(32) NOT NULL PRIMARY KEY,
    secret VARBINARY(64) NOT NULL,
    created_at BIGINT NOT NULL
  ) ENGINE=InnoDB`.execute(db);
  const secret = crypto.getRandomValues(new Uint8Array(32));
  await sql`INSERT IGNORE INTO server_keys (name, secret, created_at)
    VALUES ('paging', ${secret}, ${Date.now()})`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE IF EXISTS server_keys`.execute(db);
}
