/**
 * Pushing presence: a user's change goes to the connections watching them, minus those blocked
 * either way since they subscribed; a hidden user's changes go nowhere (their watchers were
 * told "offline" when they hid). One frame per user, serialized once for all its watchers.
 */
import type { PresenceView, ServerFrame } from "@im/protocol";
import type { Exec } from "@im/shared/db";
import type { Outbox } from "../../outbox.ts";
import { blockedPairs } from "../social/blocks.ts";
import type { PresenceState, PresenceStore } from "./store.ts";
import { hiddenUsers } from "./tables.ts";

/** What a viewer sees of a user: a hidden user is offline, never seen (as one outside the policy). */
export function viewOf(s: PresenceState, hidden: boolean): PresenceView {
  if (hidden) return { userId: s.userId, online: false, ver: s.ver };
  if (s.online) return { userId: s.userId, online: true, ver: s.ver };
  return { userId: s.userId, online: false, ...(s.seen ? { lastSeen: s.seen } : {}), ver: s.ver };
}

export const unseen = (userId: string): PresenceView => ({ userId, online: false });

const pairKey = (a: string, b: string) => (BigInt(a) < BigInt(b) ? `${a}:${b}` : `${b}:${a}`);

/** Sends these states to their watchers; `asHidden` sends users as hidden whatever the table says. */
export async function fanOut(
  db: Exec,
  store: PresenceStore,
  outbox: Outbox,
  states: PresenceState[],
  now: number,
  asHidden: Set<string> = new Set(),
  /** Connections that have their answer already (they just subscribed). */
  except: Set<string> = new Set(),
): Promise<void> {
  if (states.length === 0) return;
  const ids = states.map((s) => s.userId);
  const hidden = await hiddenUsers(db, ids);
  const shown = states.filter((s) => asHidden.has(s.userId) || !hidden.has(s.userId));
  const subs = await store.subscribers(shown.map((s) => s.userId), now);
  const pairs = shown.flatMap((s) =>
    (subs.get(s.userId) ?? []).map((w): [string, string] => [s.userId, w.viewer])
  );
  const blocked = await blockedPairs(db, pairs.filter(([a, b]) => a !== b));
  for (const s of shown) {
    const watchers = (subs.get(s.userId) ?? []).filter((w) =>
      !except.has(w.connId) && !blocked.has(pairKey(s.userId, w.viewer))
    );
    if (watchers.length === 0) continue;
    const frame: ServerFrame = {
      type: "presence",
      data: { users: [viewOf(s, asHidden.has(s.userId))] },
    };
    outbox.toConns(watchers, frame);
  }
}
