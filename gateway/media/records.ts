/**
 * The gateway's side of the `media` table: it writes a row once an upload's objects are complete,
 * and answers who may fetch one. "May fetch" is checked on every download, against current
 * membership: a message the user can see (a current member, within their window
 * (cleared_seq, left_seq]) refers to the object, or it is their own upload to a conversation
 * they are still in (before they send it). A recalled message no longer refers to anything.
 */
import { type MediaKind, type MediaRef, parseConversationId } from "@im/protocol";
import type { Db } from "@im/shared/db";

export interface MediaRecord {
  ref: MediaRef;
  conversationId: string;
  uploaderId: string;
  kind: MediaKind;
  storageKey: string;
  thumbKey: string | null;
}

export async function insertMedia(
  db: Db,
  r: Omit<MediaRecord, "ref"> & { ref: Omit<MediaRef, "mediaId"> },
  now: number,
): Promise<string> {
  const res = await db.insertInto("media").values({
    conversation_id: r.conversationId,
    uploader_id: r.uploaderId,
    kind: r.kind,
    mime: r.ref.mime,
    size: r.ref.size,
    name: r.ref.name,
    width: r.ref.width ?? null,
    height: r.ref.height ?? null,
    duration_ms: r.ref.durationMs ?? null,
    storage_key: r.storageKey,
    thumb_key: r.thumbKey,
    thumb_width: r.ref.thumb?.width ?? null,
    thumb_height: r.ref.thumb?.height ?? null,
    created_at: now,
  }).executeTakeFirstOrThrow();
  return String(res.insertId);
}

/** Whether the user may upload to (and so, later, send media into) this conversation. */
export async function canUpload(db: Db, userId: string, conversationId: string) {
  const c = parseConversationId(conversationId);
  if (!c) return false;
  if (c.kind === "direct" && !c.members.includes(userId)) return false;
  const row = await db.selectFrom("conversation_members").select("left_seq")
    .where("conversation_id", "=", conversationId).where("user_id", "=", userId)
    .executeTakeFirst();
  if (row) return row.left_seq === null;
  if (c.kind === "group") return false;
  // A direct chat starts with its first message, which may be this upload's: the peer must exist.
  const peer = c.members[0] === userId ? c.members[1] : c.members[0];
  return !!(await db.selectFrom("users").select("id").where("id", "=", peer).executeTakeFirst());
}

/** The record, if this user may fetch it now (see the module comment); otherwise null. */
export async function fetchable(db: Db, userId: string, mediaId: string) {
  const r = await db.selectFrom("media").selectAll().where("media_id", "=", mediaId)
    .executeTakeFirst();
  if (!r) return null;
  const seen = await db.selectFrom("messages as m")
    .innerJoin(
      "conversation_members as cm",
      (j) => j.onRef("cm.conversation_id", "=", "m.conversation_id").on("cm.user_id", "=", userId),
    )
    .select("m.msg_id")
    .where("m.media_id", "=", mediaId)
    .where("cm.left_seq", "is", null)
    .whereRef("m.seq", ">", "cm.cleared_seq")
    .limit(1).executeTakeFirst();
  const own = !seen && String(r.uploader_id) === userId &&
    await canUpload(db, userId, r.conversation_id);
  if (!seen && !own) return null;
  const ref: MediaRef = { mediaId, mime: r.mime, size: Number(r.size), name: r.name };
  if (r.width !== null && r.height !== null) [ref.width, ref.height] = [r.width, r.height];
  if (r.duration_ms !== null) ref.durationMs = r.duration_ms;
  if (r.thumb_key && r.thumb_width !== null && r.thumb_height !== null) {
    ref.thumb = { width: r.thumb_width, height: r.thumb_height };
  }
  return {
    ref,
    conversationId: r.conversation_id,
    uploaderId: String(r.uploader_id),
    kind: r.kind as MediaKind,
    storageKey: r.storage_key,
    thumbKey: r.thumb_key,
  } satisfies MediaRecord;
}
