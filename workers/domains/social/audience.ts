/**
 * Who may send a direct message to whom: refused when either has blocked the other, or when the
 * receiver takes messages from friends only (their setting, else DM_POLICY) and the sender is
 * not their friend. Both cases get the same answer (REFUSED), so a sender cannot tell a block
 * from a policy. Groups are never affected: a block does not stop anyone reading or writing a
 * group they share.
 */
import { sql } from "kysely";
import type { DmPolicy } from "@im/protocol";
import type { Exec } from "@im/shared/db";
import { blockedAmong, pairKeyOf } from "./blocks.ts";
import { friendPairs } from "./friend_tables.ts";

/** The (sender, receiver) pairs of these that are refused, as "sender>receiver". */
export async function refusedDirect(
  db: Exec,
  sends: Array<[sender: string, receiver: string]>,
  defaultPolicy: DmPolicy,
): Promise<Set<string>> {
  const out = new Set<string>();
  if (sends.length === 0) return out;
  const { blocked, policies } = await blocksAndPolicies(db, sends, defaultPolicy);
  const strict = sends.filter(([s, r]) =>
    !blocked.has(pairKeyOf(s, r)) && policies.get(r) === "friends"
  );
  const friends = await friendPairs(db, strict.map(([s, r]) => [r, s]));
  for (const [s, r] of sends) {
    if (blocked.has(pairKeyOf(s, r))) out.add(`${s}>${r}`);
  }
  for (const [s, r] of strict) {
    if (!friends.has(`${r}:${s}`)) out.add(`${s}>${r}`);
  }
  return out;
}

/**
 * The blocks among these users and the receivers' policies in one round trip: this runs for
 * every batch of direct messages, before the batch takes its locks.
 */
async function blocksAndPolicies(
  db: Exec,
  sends: Array<[string, string]>,
  defaultPolicy: DmPolicy,
) {
  const users = sql.join([...new Set(sends.flat())]);
  const receivers = sql.join([...new Set(sends.map(([, r]) => r))]);
  const { rows } = await sql<{ k: string; a: string; b: string | null }>`
    SELECT 'p' AS k, id AS a, dm_policy AS b FROM users WHERE id IN (${receivers})
    UNION ALL
    SELECT 'b', user_id, blocked_id FROM user_blocks
      WHERE user_id IN (${users}) AND blocked_id IN (${users})`.execute(db);
  const blocks = rows.filter((r) => r.k === "b").map((r) => [String(r.a), String(r.b)]);
  const policies = new Map(
    rows.filter((r) => r.k === "p").map((r) => [String(r.a), (r.b as DmPolicy) ?? defaultPolicy]),
  );
  return { blocked: blockedAmong(blocks as Array<[string, string]>, sends), policies };
}
