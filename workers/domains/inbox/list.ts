/**
 * conv.list: the caller's conversation list, served by the server so every device (and a fresh
 * install) shows the same one. Pinned first, then by last activity; hidden ones left out until
 * their next message. Each item carries what a list row shows: the last message the user can see
 * (recalled ones as placeholders), unread count, mention flag and the user's settings.
 */
import { type ConversationItem, DEFAULT_PAGE_LIMIT, directPeer } from "@im/protocol";
import type { Exec } from "@im/shared/db";
import type { ReadHandler } from "../../context.ts";
import { findByIds, type StoredMessage } from "../messages/tables.ts";
import { toView } from "../messages/views.ts";
import { openCursor, signCursor } from "../paging/cursors.ts";
import { listPage, type ListPosition, type ListRow, messagesAt, unreadIn } from "./tables.ts";

/** Unread messages are counted over at most this many seqs above the read cursor. */
export const UNREAD_WINDOW = 200;
const LIST = "conversations";

export function positionShape(v: unknown): ListPosition | null {
  if (!Array.isArray(v) || v.length !== 3) return null;
  const [pinned, at, id] = v;
  if (pinned !== 0 && pinned !== 1) return null;
  if (!Number.isSafeInteger(at) || at < 0) return null;
  if (typeof id !== "string" || id.length < 1 || id.length > 64) return null;
  return { pinned, at, id };
}

/** The last seq a member may see: a former member's view ends where they left. */
const visibleLast = (r: ListRow) => r.leftSeq === null ? r.lastSeq : Math.min(r.lastSeq, r.leftSeq);

export const handleConvList: ReadHandler<"conv.list"> = async (ctx, e) => {
  const me = e.env.userId;
  const { cursor } = e.env.frame.data;
  const limit = e.env.frame.data.limit ?? DEFAULT_PAGE_LIMIT;
  const after = cursor === undefined
    ? null
    : await openCursor(ctx.db, LIST, me, cursor, positionShape);
  const rows = await listPage(ctx.db, me, after, limit + 1);
  const page = rows.slice(0, limit);
  const conversations = await itemsOf(ctx.db, me, page);
  const last = page[page.length - 1];
  const next = rows.length > limit
    ? await signCursor(ctx.db, LIST, me, [last.pinned ? 1 : 0, last.activeAt, last.conversationId])
    : undefined;
  ctx.reply(e, {
    type: "conv.page",
    data: { conversations, ...(next === undefined ? {} : { cursor: next }) },
  });
};

/** List items of these rows: two more statements (last messages, unread counts) per page. */
export async function itemsOf(db: Exec, me: string, rows: ListRow[]): Promise<ConversationItem[]> {
  const seen = rows.filter((r) => visibleLast(r) > r.clearedSeq);
  const byHead = seen.filter((r) => visibleLast(r) === r.lastSeq && r.lastMsgId);
  const bySeq = seen.filter((r) => !byHead.includes(r));
  const [heads, earlier, unread] = await Promise.all([
    findByIds(db, byHead.map((r) => r.lastMsgId!)),
    messagesAt(db, bySeq.map((r) => ({ conversationId: r.conversationId, seq: visibleLast(r) }))),
    unreadIn(
      db,
      me,
      seen.map((r) => ({
        conversationId: r.conversationId,
        above: Math.max(r.readSeq, r.clearedSeq, visibleLast(r) - UNREAD_WINDOW),
        upTo: visibleLast(r),
      })),
    ),
  ]);
  const lastOf = new Map<string, StoredMessage>(earlier);
  for (const m of heads.values()) lastOf.set(m.conversationId, m);
  return rows.map((r) => {
    const lastMessage = lastOf.get(r.conversationId);
    const peerId = directPeer(r.conversationId, me);
    return {
      conversationId: r.conversationId,
      kind: r.kind === "direct" ? "direct" : "group",
      ...(peerId ? { peerId } : {}),
      lastSeq: visibleLast(r),
      readSeq: r.readSeq,
      clearedSeq: r.clearedSeq,
      lastMessage: lastMessage ? toView(lastMessage) : null,
      unread: unread.get(r.conversationId) ?? 0,
      mentioned: r.mentionSeq > Math.max(r.readSeq, r.clearedSeq),
      pinned: r.pinned,
      muted: r.muted,
      hidden: r.hidden,
      activeAt: r.activeAt,
      member: r.leftSeq === null,
    };
  });
}
