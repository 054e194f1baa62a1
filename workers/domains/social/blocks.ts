/** Table functions for `user_blocks`; each takes the executor. */
import type { Exec } from "@im/shared/db";

/** The pairs (of those asked) where either user has blocked the other, as "a:b" with a < b. */
export async function blockedPairs(
  db: Exec,
  pairs: Array<[string, string]>,
): Promise<Set<string>> {
  const out = new Set<string>();
  if (pairs.length === 0) return out;
  const users = [...new Set(pairs.flat())];
  const rows = await db.selectFrom("user_blocks").select(["user_id", "blocked_id"])
    .where("user_id", "in", users).where("blocked_id", "in", users).execute();
  const key = (a: string, b: string) => (BigInt(a) < BigInt(b) ? `${a}:${b}` : `${b}:${a}`);
  const asked = new Set(pairs.map(([a, b]) => key(a, b)));
  for (const r of rows) {
    const k = key(String(r.user_id), String(r.blocked_id));
    if (asked.has(k)) out.add(k);
  }
  return out;
}

/** Whether either of two users has blocked the other. */
export async function blockedEitherWay(db: Exec, a: string, b: string): Promise<boolean> {
  return (await blockedPairs(db, [[a, b]])).size > 0;
}
