/** The worker's view of `media` rows (the gateway writes them after an upload completes). */
import type { MediaKind, MediaRef } from "@im/protocol";
import type { Exec } from "@im/shared/db";

export interface MediaRow {
  mediaId: string;
  conversationId: string;
  uploaderId: string;
  kind: MediaKind;
  ref: MediaRef;
}

export async function mediaByIds(db: Exec, ids: string[]): Promise<Map<string, MediaRow>> {
  if (ids.length === 0) return new Map();
  const rows = await db.selectFrom("media").selectAll().where("media_id", "in", ids).execute();
  return new Map(rows.map((r) => {
    const ref: MediaRef = {
      mediaId: String(r.media_id),
      mime: r.mime,
      size: Number(r.size),
      name: r.name,
    };
    if (r.width !== null && r.height !== null) [ref.width, ref.height] = [r.width, r.height];
    if (r.duration_ms !== null) ref.durationMs = r.duration_ms;
    if (r.thumb_key && r.thumb_width !== null && r.thumb_height !== null) {
      ref.thumb = { width: r.thumb_width, height: r.thumb_height };
    }
    return [ref.mediaId, {
      mediaId: ref.mediaId,
      conversationId: r.conversation_id,
      uploaderId: String(r.uploader_id),
      kind: r.kind as MediaKind,
      ref,
    }];
  }));
}
