// The devices a user has signed in with: platform class and name from the login, and when each
// was last seen (login, refresh, connect, disconnect). Whether a device is still signed in is
// read from its refresh tokens, so logout and revocation need no second record.
import { type Kysely, sql } from "kysely";
import { hasIndex } from "./util.ts";

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE TABLE IF NOT EXISTS devices (
    user_id BIGINT UNSIGNED NOT NULL,
    device_id VARCHAR(64) NOT NULL,
    platform VARCHAR(16) NOT NULL,
    name VARCHAR(64) NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    last_login_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, device_id)
  ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`.execute(db);
  // A user's live tokens by device, without reading every token they were ever issued.
  if (!(await hasIndex(db, "refresh_tokens", "ix_refresh_device"))) {
    await sql`CREATE INDEX ix_refresh_device ON refresh_tokens (user_id, device_id, revoked_at)`
      .execute(db);
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  if (await hasIndex(db, "refresh_tokens", "ix_refresh_device")) {
    await sql`DROP INDEX ix_refresh_device ON refresh_tokens`.execute(db);
  }
  await sql`DROP TABLE IF EXISTS devices`.execute(db);
}
