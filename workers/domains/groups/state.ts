/**
 * A batch's view of its groups: each group row is read once per batch (and re-read under lock
 * by the management action that changes it), so sends later in the batch see the change. The
 * diffusion of a group follows its member count at the time.
 */
import type { Diffusion } from "@im/protocol";
import type { Config } from "@im/shared/config";
import type { Exec } from "@im/shared/db";
import type { Members } from "../conversations/members.ts";
import { type GroupRow, loadGroups } from "./tables.ts";

interface Scope {
  members: Members;
  config: Config;
}

// Keyed by the batch's Members object: one per transaction (or read), gone with it.
const caches = new WeakMap<Members, Map<string, GroupRow | null>>();

function cacheOf(ctx: Scope) {
  let c = caches.get(ctx.members);
  if (!c) caches.set(ctx.members, c = new Map());
  return c;
}

/** Group rows by conversation id (absent: no such group), cached for the batch. */
export async function groupsOf(ctx: Scope, db: Exec, ids: string[], lock = false) {
  const cache = cacheOf(ctx);
  const missing = [...new Set(ids)].filter((id) => lock || !cache.has(id));
  if (missing.length) {
    const rows = await loadGroups(db, missing, lock);
    for (const id of missing) cache.set(id, rows.get(id) ?? null);
  }
  const out = new Map<string, GroupRow>();
  for (const id of ids) {
    const g = cache.get(id);
    if (g) out.set(id, g);
  }
  return out;
}

/** Records a changed row for the rest of the batch. */
export function rememberGroup(ctx: Scope, g: GroupRow): void {
  cacheOf(ctx).set(g.conversationId, g);
}

export function diffusionOf(g: GroupRow | undefined, config: Config): Diffusion {
  return !g || g.memberCount <= config.groupWriteDiffusionMax ? "write" : "read";
}
