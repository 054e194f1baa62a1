/**
 * Who may watch whose presence: the one place the policy lives (PRESENCE_VISIBILITY).
 *   shared    users who share a conversation with the viewer (a direct chat or a group)
 *   everyone  any user
 * In both, a block either way hides each from the other, and a user always sees themselves.
 * Hidden users are not filtered here: they are visible as "offline, never seen" (see views).
 * When friendships land, a `friends` policy is one more case here (friends, or a shared group).
 */
import type { Exec } from "@im/shared/db";
import { blockedPairs } from "../social/blocks.ts";
import { sharingAConversation } from "./tables.ts";

export type Visibility = "shared" | "everyone";

export async function visibleTo(
  db: Exec,
  policy: Visibility,
  viewer: string,
  targets: string[],
): Promise<Set<string>> {
  const others = [...new Set(targets)].filter((t) => t !== viewer);
  const out = new Set<string>(targets.includes(viewer) ? [viewer] : []);
  if (others.length === 0) return out;
  const allowed = policy === "everyone"
    ? new Set(others)
    : await sharingAConversation(db, viewer, others);
  const candidates = others.filter((t) => allowed.has(t));
  const blocked = await blockedPairs(db, candidates.map((t) => [viewer, t]));
  const key = (a: string, b: string) => (BigInt(a) < BigInt(b) ? `${a}:${b}` : `${b}:${a}`);
  for (const t of candidates) if (!blocked.has(key(viewer, t))) out.add(t);
  return out;
}
