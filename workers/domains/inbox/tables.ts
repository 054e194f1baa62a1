/**
 * Table functions of the conversation list and each member's own settings (columns of
 * `conversation_members`, migration 021); each takes the executor. A page is one range read of
 * the index `ix_members_list (user_id, hidden, pinned, active_at, conversation_id)` plus a few
 * bounded lookups for the page's own rows: its cost does not grow with the user's conversations
 * or their history.
 */
import { sql } from "kysely";
import type { Exec } from "@im/shared/db";
import type { StoredMessage } from "../messages/tables.ts";
import { findByIds } from "../messages/tables.ts";

/** Where a page starts: after this row of the list's order. */
export interface ListPosition {
  pinned: 0 | 1;
  at: number;
  id: string;
}

export interface ListRow {
  conversationId: string;
  kind: string;
  lastSeq: number;
  lastMsgId: string | null;
  readSeq: number;
  clearedSeq: number;
  leftSeq: number | null;
  mentionSeq: number;
  pinned: boolean;
  muted: boolean;
  hidden: boolean;
  activeAt: number;
}

const SELECT = [
  "m.conversation_id",
  "m.read_seq",
  "m.cleared_seq",
  "m.left_seq",
  "m.mention_seq",
  "m.pinned",
  "m.muted",
  "m.hidden",
  "m.active_at",
  "c.kind",
  "c.last_seq",
  "c.last_msg_id",
] as const;

/** Up to `limit` rows of the user's visible list after `after`: pinned first, newest first. */
export async function listPage(
  db: Exec,
  userId: string,
  after: ListPosition | null,
  limit: number,
): Promise<ListRow[]> {
  if (!after) return await listQuery(db, userId, null, limit);
  const rows = await listQuery(db, userId, after, limit);
  if (after.pinned === 0 || rows.length >= limit) return rows;
  // Past the last pinned one: the unpinned part from its start.
  return [...rows, ...await listQuery(db, userId, { pinned: 0, at: null }, limit - rows.length)];
}

/**
 * One part (pinned or not) of the list below a position, or the whole list from the top.
 *
 * The page's keys come first, from the list index alone (a derived table), and only those rows
 * are then joined. Each choice here kept MariaDB from reading the index from its end (every
 * earlier page again: 4,000 rows for page 80 of 100): asked for every column at once, it costed
 * the range as thousands of row lookups; without FORCE INDEX it took the equal-cost `ref` on
 * (user_id, hidden, pinned) and filtered; and the position is one bound (`active_at <= at`) with
 * the tie on the id beside it, not nested ORs. plan_test.ts checks the rows each page reads.
 */
function listQuery(
  db: Exec,
  userId: string,
  from: { pinned: 0 | 1; at: number | null; id?: string } | null,
  limit: number,
): Promise<ListRow[]> {
  const part = from ? sql`AND pinned = ${from.pinned}` : sql``;
  // The time as a number: a BIGINT range is not scanned against a string parameter.
  const below = from?.at != null
    ? sql`AND active_at <= ${from.at} AND (active_at < ${from.at} OR conversation_id < ${from.id})`
    : sql``;
  const keys = sql<{ conversation_id: string }>`(SELECT conversation_id
    FROM conversation_members FORCE INDEX (ix_members_list)
    WHERE user_id = ${userId} AND hidden = 0 ${part} ${below}
    ORDER BY pinned DESC, active_at DESC, conversation_id DESC LIMIT ${limit})`;
  return db.selectFrom(keys.as("k"))
    .innerJoin(
      "conversation_members as m",
      (j) => j.onRef("m.conversation_id", "=", "k.conversation_id").on("m.user_id", "=", userId),
    )
    .innerJoin("conversations as c", "c.id", "m.conversation_id")
    .select(SELECT)
    .orderBy("m.pinned", "desc").orderBy("m.active_at", "desc")
    .orderBy("m.conversation_id", "desc").execute().then((rows) => rows.map(toRow));
}

/** One member's row (settings and cursors) with the conversation's last seq, or null. */
export async function memberRow(
  db: Exec,
  conversationId: string,
  userId: string,
): Promise<ListRow | null> {
  const r = await db.selectFrom("conversation_members as m")
    .innerJoin("conversations as c", "c.id", "m.conversation_id")
    .select(SELECT)
    .where("m.conversation_id", "=", conversationId).where("m.user_id", "=", userId)
    .executeTakeFirst();
  return r ? toRow(r) : null;
}

export interface SettingsChange {
  pinned?: boolean;
  muted?: boolean;
  hidden?: boolean;
  clearedSeq?: number;
}

export async function saveSettings(
  db: Exec,
  conversationId: string,
  userId: string,
  c: SettingsChange,
): Promise<void> {
  const bit = (b: boolean) => (b ? 1 : 0);
  await db.updateTable("conversation_members").set({
    ...(c.pinned !== undefined ? { pinned: bit(c.pinned) } : {}),
    ...(c.muted !== undefined ? { muted: bit(c.muted) } : {}),
    ...(c.hidden !== undefined ? { hidden: bit(c.hidden) } : {}),
    ...(c.clearedSeq !== undefined ? { cleared_seq: c.clearedSeq } : {}),
  }).where("conversation_id", "=", conversationId).where("user_id", "=", userId).execute();
}

/** The message at each (conversation, seq), by conversation. */
export async function messagesAt(
  db: Exec,
  at: Array<{ conversationId: string; seq: number }>,
): Promise<Map<string, StoredMessage>> {
  if (at.length === 0) return new Map();
  const rows = await db.selectFrom("messages").select("msg_id").where((w) =>
    w.or(at.map((a) => w.and([w("conversation_id", "=", a.conversationId), w("seq", "=", a.seq)])))
  ).execute();
  const found = await findByIds(db, rows.map((r) => String(r.msg_id)));
  return new Map([...found.values()].map((m) => [m.conversationId, m]));
}

/**
 * Others' messages in each (above, upTo] range, recall notices and recalled messages left out:
 * one statement, each range a bounded read of the (conversation_id, seq) index.
 */
export async function unreadIn(
  db: Exec,
  userId: string,
  ranges: Array<{ conversationId: string; above: number; upTo: number }>,
): Promise<Map<string, number>> {
  const wanted = ranges.filter((r) => r.upTo > r.above);
  if (wanted.length === 0) return new Map();
  const rows = await db.selectFrom("messages")
    .select((eb) => ["conversation_id", eb.fn.countAll<number>().as("n")])
    .where((w) =>
      w.or(wanted.map((r) =>
        w.and([
          w("conversation_id", "=", r.conversationId),
          w("seq", ">", r.above),
          w("seq", "<=", r.upTo),
        ])
      ))
    )
    .where("sender_id", "<>", userId).where("kind", "<>", "recall")
    .where("recalled_at", "is", null)
    .groupBy("conversation_id").execute();
  return new Map(rows.map((r) => [r.conversation_id, Number(r.n)]));
}

function toRow(r: {
  conversation_id: string;
  read_seq: number;
  cleared_seq: number;
  left_seq: number | null;
  mention_seq: number;
  pinned: number;
  muted: number;
  hidden: number;
  active_at: string;
  kind: string;
  last_seq: number;
  last_msg_id: string | null;
}): ListRow {
  return {
    conversationId: r.conversation_id,
    kind: r.kind,
    lastSeq: Number(r.last_seq),
    lastMsgId: r.last_msg_id === null ? null : String(r.last_msg_id),
    readSeq: Number(r.read_seq),
    clearedSeq: Number(r.cleared_seq),
    leftSeq: r.left_seq === null ? null : Number(r.left_seq),
    mentionSeq: Number(r.mention_seq),
    pinned: Number(r.pinned) === 1,
    muted: Number(r.muted) === 1,
    hidden: Number(r.hidden) === 1,
    activeAt: Number(r.active_at),
  };
}
