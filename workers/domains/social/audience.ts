/**
 * Who may send a direct message to whom: refused when either has blocked the other, or when the
 * receiver takes messages from friends only (their setting, else DM_POLICY) and the sender is
 * not their friend. Both cases get the same answer (REFUSED), so a sender cannot tell a block
 * from a policy. Groups are never affected: a block does not stop anyone reading or writing a
 * group they share.
 */
import type { DmPolicy } from "@im/protocol";
import type { Exec } from "@im/shared/db";
import { dmPoliciesOf } from "../profiles/tables.ts";
import { blockedPairs } from "./blocks.ts";
import { friendPairs } from "./friend_tables.ts";

const pairKey = (a: string, b: string) => (BigInt(a) < BigInt(b) ? `${a}:${b}` : `${b}:${a}`);

/** The (sender, receiver) pairs of these that are refused, as "sender>receiver". */
export async function refusedDirect(
  db: Exec,
  sends: Array<[sender: string, receiver: string]>,
  defaultPolicy: DmPolicy,
): Promise<Set<string>> {
  const out = new Set<string>();
  if (sends.length === 0) return out;
  const blocked = await blockedPairs(db, sends);
  const policies = await dmPoliciesOf(db, sends.map(([, r]) => r), defaultPolicy);
  const strict = sends.filter(([s, r]) =>
    !blocked.has(pairKey(s, r)) && policies.get(r) === "friends"
  );
  const friends = await friendPairs(db, strict.map(([s, r]) => [r, s]));
  for (const [s, r] of sends) {
    if (blocked.has(pairKey(s, r))) out.add(`${s}>${r}`);
  }
  for (const [s, r] of strict) {
    if (!friends.has(`${r}:${s}`)) out.add(`${s}>${r}`);
  }
  return out;
}
