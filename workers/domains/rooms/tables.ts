/** Table functions for `rooms`: only the room itself is stored, never who is in it. */
import type { RoomInfo } from "@im/protocol";
import type { Exec } from "@im/shared/db";

const toInfo = (r: Record<string, unknown>): RoomInfo => ({
  conversationId: String(r.conversation_id),
  title: String(r.title),
  ownerId: String(r.owner_id),
  createdAt: Number(r.created_at),
  closed: r.closed_at != null,
});

export async function roomsOf(db: Exec, ids: string[], lock = false) {
  const out = new Map<string, RoomInfo>();
  if (ids.length === 0) return out;
  let q = db.selectFrom("rooms").selectAll().where("conversation_id", "in", [...new Set(ids)]);
  if (lock) q = q.forUpdate();
  for (const r of await q.execute()) out.set(r.conversation_id, toInfo(r));
  return out;
}

export async function roomByKey(db: Exec, ownerId: string, clientKey: string) {
  const r = await db.selectFrom("rooms").selectAll().where("owner_id", "=", ownerId)
    .where("client_key", "=", clientKey).executeTakeFirst();
  return r ? toInfo(r) : null;
}

export async function insertRoom(db: Exec, room: RoomInfo, clientKey: string) {
  await db.insertInto("rooms").values({
    conversation_id: room.conversationId,
    title: room.title,
    owner_id: room.ownerId,
    client_key: clientKey,
    created_at: room.createdAt,
  }).execute();
}

export async function closeRoom(db: Exec, conversationId: string, at: number) {
  await db.updateTable("rooms").set({ closed_at: at }).where("conversation_id", "=", conversationId)
    .execute();
}
