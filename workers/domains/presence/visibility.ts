/**
 * Who may watch whose presence: the one place the policy lives (PRESENCE_VISIBILITY).
 *   shared    the viewer's contacts: friends, and users who share a conversation with them
 *             (a direct chat or a group)
 *   everyone  any user
 * In both, a block either way hides each from the other, and a user always sees themselves.
 * Hidden users are not filtered here: they are visible as "offline, never seen" (see views).
 */
import type { Exec } from "@im/shared/db";
import { blockedPairs } from "../social/blocks.ts";
import { friendPairs } from "../social/friend_tables.ts";
import { sharedPairs } from "./tables.ts";

export type Visibility = "shared" | "everyone";

export interface Ask {
  viewer: string;
  targets: string[];
}

/** For each ask, the targets its viewer may watch; one query per kind for a whole batch. */
export async function visibleTo(db: Exec, policy: Visibility, asks: Ask[]): Promise<Set<string>[]> {
  const pairs = asks.flatMap((a) =>
    [...new Set(a.targets)].filter((t) => t !== a.viewer).map((
      t,
    ): [string, string] => [a.viewer, t])
  );
  const allowed = policy === "everyone"
    ? new Set(pairs.map(([v, t]) => `${v}:${t}`))
    : await contactPairs(db, pairs);
  const candidates = pairs.filter(([v, t]) => allowed.has(`${v}:${t}`));
  const blocked = await blockedPairs(db, candidates);
  const key = (a: string, b: string) => (BigInt(a) < BigInt(b) ? `${a}:${b}` : `${b}:${a}`);
  return asks.map((a) => {
    const out = new Set<string>(a.targets.includes(a.viewer) ? [a.viewer] : []);
    for (const t of a.targets) {
      if (allowed.has(`${a.viewer}:${t}`) && !blocked.has(key(a.viewer, t))) out.add(t);
    }
    return out;
  });
}

/** The pairs whose viewer is the target's friend or shares a conversation with them. */
async function contactPairs(db: Exec, pairs: Array<[string, string]>): Promise<Set<string>> {
  const shared = await sharedPairs(db, pairs);
  const rest = pairs.filter(([v, t]) => !shared.has(`${v}:${t}`));
  for (const k of await friendPairs(db, rest)) shared.add(k);
  return shared;
}
