/** Table functions for `users`; each takes the executor so it can join a caller's transaction. */
import type { Executor } from "./refresh.ts";

export interface PublicUser {
  userId: string;
  username: string;
  nickname: string;
}

export class UsernameTakenError extends Error {
  constructor() {
    super("username taken");
    this.name = "UsernameTakenError";
  }
}

const USER_ID = /^[1-9][0-9]{0,19}$/;

/**
 * Inserts a user. The unique key decides races between two registrations of one name, so a
 * duplicate is detected from the insert itself rather than a prior lookup.
 */
export async function insertUser(
  db: Executor,
  user: { username: string; passwordHash: string; nickname: string; now: number },
): Promise<PublicUser> {
  try {
    const r = await db.insertInto("users").values({
      username: user.username,
      password_hash: user.passwordHash,
      nickname: user.nickname,
      created_at: user.now,
    }).executeTakeFirstOrThrow();
    return { userId: String(r.insertId), username: user.username, nickname: user.nickname };
  } catch (e) {
    if (isDuplicateKey(e)) throw new UsernameTakenError();
    throw e;
  }
}

export async function findUserByName(
  db: Executor,
  username: string,
): Promise<(PublicUser & { passwordHash: string }) | null> {
  const row = await db.selectFrom("users")
    .select(["id", "username", "nickname", "password_hash"])
    .where("username", "=", username)
    .executeTakeFirst();
  return row
    ? {
      userId: row.id,
      username: row.username,
      nickname: row.nickname,
      passwordHash: row.password_hash,
    }
    : null;
}

/** Null for ids that are not a positive decimal BIGINT, without querying. */
export async function findUserById(db: Executor, userId: string): Promise<PublicUser | null> {
  if (!USER_ID.test(userId)) return null;
  const row = await db.selectFrom("users")
    .select(["id", "username", "nickname"])
    .where("id", "=", userId)
    .executeTakeFirst();
  return row ? { userId: row.id, username: row.username, nickname: row.nickname } : null;
}

function isDuplicateKey(e: unknown): boolean {
  const err = e as { code?: unknown; errno?: unknown } | null;
  return err?.code === "ER_DUP_ENTRY" || err?.errno === 1062;
}
