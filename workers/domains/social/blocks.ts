/** Table functions for `user_blocks`; each takes the executor. */
import type { Exec } from "@im/shared/db";
import { pageKeys } from "../paging/keyset.ts";

/** The pairs (of those asked) where either user has blocked the other, as "a:b" with a < b. */
export async function blockedPairs(
  db: Exec,
  pairs: Array<[string, string]>,
): Promise<Set<string>> {
  if (pairs.length === 0) return new Set();
  const users = [...new Set(pairs.flat())];
  const rows = await db.selectFrom("user_blocks").select(["user_id", "blocked_id"])
    .where("user_id", "in", users).where("blocked_id", "in", users).execute();
  return blockedAmong(rows.map((r) => [String(r.user_id), String(r.blocked_id)]), pairs);
}

/**
 * Of the asked pairs, those some block row (blocker, blocked) covers in either direction, as
 * "a:b" with a < b: the one meaning of "blocked" (also for reads that fetch the rows with more).
 */
export function blockedAmong(
  rows: Array<[string, string]>,
  pairs: Array<[string, string]>,
): Set<string> {
  const asked = new Set(pairs.map(([a, b]) => pairKeyOf(a, b)));
  const out = new Set<string>();
  for (const [a, b] of rows) {
    const k = pairKeyOf(a, b);
    if (asked.has(k)) out.add(k);
  }
  return out;
}

export const pairKeyOf = (a: string, b: string) =>
  BigInt(a) < BigInt(b) ? `${a}:${b}` : `${b}:${a}`;

/** Whether either of two users has blocked the other. */
export async function blockedEitherWay(db: Exec, a: string, b: string): Promise<boolean> {
  return (await blockedPairs(db, [[a, b]])).size > 0;
}

/** Blocks `blockedId` (again: nothing changes); returns false when it was already blocked. */
export async function addBlock(db: Exec, userId: string, blockedId: string, at: number) {
  const r = await db.insertInto("user_blocks").ignore()
    .values({ user_id: userId, blocked_id: blockedId, created_at: at }).executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0n) > 0;
}

/** Unblocks; false when `blockedId` was not blocked. */
export async function removeBlock(db: Exec, userId: string, blockedId: string): Promise<boolean> {
  const r = await db.deleteFrom("user_blocks").where("user_id", "=", userId)
    .where("blocked_id", "=", blockedId).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

/** A page of the users `userId` blocked, newest first, after `after` (keys from the index alone). */
export async function blockPage(
  db: Exec,
  userId: string,
  after: { t: number; id: string } | null,
  limit: number,
) {
  const list = {
    table: "user_blocks",
    index: "ix_blocks_page",
    owner: "user_id",
    time: "created_at",
    id: "blocked_id",
  } as const;
  const rows = await db.selectFrom(pageKeys(list, userId, after, limit + 1).as("k"))
    .select(["k.id", "k.t"]).orderBy("k.t", "desc").orderBy("k.id", "desc").execute();
  return rows.map((r) => ({ blockedId: String(r.id), at: Number(r.t) }));
}
