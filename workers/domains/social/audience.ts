/**
 * Who may send a direct message to whom: refused when either has blocked the other, or when the
 * receiver takes messages from friends only (their setting, else DM_POLICY) and the sender is
 * not their friend. Both cases get the same answer (REFUSED), so a sender cannot tell a block
 * from a policy. Groups are never affected: a block does not stop anyone reading or writing a
 * group they share.
 */
import { sql } from "kysely";
import type { DmPolicy } from "@im/protocol";
import type { Exec, OneStatement } from "@im/shared/db";
import { blockedAmong, pairKeyOf } from "./blocks.ts";
import { friendPairs } from "./friend_tables.ts";

/**
 * The (sender, receiver) pairs of these that are refused, as "sender>receiver". `pre`: the rows
 * of audienceRead() for these sends or more, read already (send.ts reads it with others).
 */
export async function refusedDirect(
  db: Exec,
  sends: Array<[sender: string, receiver: string]>,
  defaultPolicy: DmPolicy,
  pre?: unknown[],
): Promise<Set<string>> {
  const out = new Set<string>();
  if (sends.length === 0) return out;
  const rows = (pre ?? await audienceRead(db, sends).execute()) as AudienceRow[];
  const { blocked, policies } = parseAudience(rows, sends, defaultPolicy);
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

interface AudienceRow {
  k: string;
  a: string;
  b: string | null;
}

/**
 * The blocks among these users and the receivers' policies in one statement: this runs for
 * every batch of direct messages, before the batch takes its locks.
 */
export function audienceRead(db: Exec, sends: Array<[string, string]>) {
  const users = sql.join([...new Set(sends.flat())]);
  const receivers = sql.join([...new Set(sends.map(([, r]) => r))]);
  const q = sql<AudienceRow>`
    SELECT 'p' AS k, id AS a, dm_policy AS b FROM users WHERE id IN (${receivers})
    UNION ALL
    SELECT 'b', user_id, blocked_id FROM user_blocks
      WHERE user_id IN (${users}) AND blocked_id IN (${users})`;
  return {
    compile: () => q.compile(db),
    execute: async () => (await q.execute(db)).rows,
  } satisfies OneStatement & { execute(): Promise<AudienceRow[]> };
}

function parseAudience(
  rows: AudienceRow[],
  sends: Array<[string, string]>,
  defaultPolicy: DmPolicy,
) {
  const blocks = rows.filter((r) => r.k === "b").map((r) => [String(r.a), String(r.b)]);
  const policies = new Map(
    rows.filter((r) => r.k === "p").map((r) => [String(r.a), (r.b as DmPolicy) ?? defaultPolicy]),
  );
  return { blocked: blockedAmong(blocks as Array<[string, string]>, sends), policies };
}
