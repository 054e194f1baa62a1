/** msgIds reserved for a user by ids.fetch (the seed's batch design). */
import type { Exec } from "@im/shared/db";

export async function reserveIds(db: Exec, userId: string, ids: string[], at: number) {
  if (ids.length === 0) return;
  await db.insertInto("reserved_ids")
    .values(ids.map((id) => ({ msg_id: id, user_id: userId, issued_at: at }))).execute();
}

/** Consumes reserved ids; returns the ones that were issued to their user and not yet used. */
export async function consumeIds(
  db: Exec,
  wanted: Array<{ msgId: string; userId: string }>,
): Promise<Set<string>> {
  if (wanted.length === 0) return new Set();
  const rows = await db.selectFrom("reserved_ids").select(["msg_id", "user_id"])
    .where("msg_id", "in", wanted.map((w) => w.msgId)).forUpdate().execute();
  const owner = new Map(rows.map((r) => [String(r.msg_id), String(r.user_id)]));
  const ok = new Set(wanted.filter((w) => owner.get(w.msgId) === w.userId).map((w) => w.msgId));
  if (ok.size) await db.deleteFrom("reserved_ids").where("msg_id", "in", [...ok]).execute();
  return ok;
}
