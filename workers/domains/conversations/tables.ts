/** Table functions for `conversations` and `conversation_members`; each takes the executor. */
import { type ConversationKind, parseConversationId } from "@im/protocol";
import { boundText, type Exec, insertRows, later, marks, rowsOf, selectIn } from "@im/shared/db";

/**
 * Locks the head rows of these conversations and returns their last seq (absent: no such
 * conversation yet). The partition owner is the only writer of its conversations; the lock keeps
 * it so even against a fenced-out predecessor mid-commit.
 */
export async function lockHeads(db: Exec, ids: string[]): Promise<Map<string, number>> {
  if (ids.length === 0) return new Map();
  return headsOf(await rowsOf(db, headsRead(ids)));
}

/** The locking read of lockHeads (for readTogether); ids must not be empty. */
export function headsRead(ids: string[]) {
  return selectIn("conversations", ["id", "last_seq"], "id", ids, true);
}

export function headsOf(rows: unknown[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const r of rows as Array<{ id: string; last_seq: string | number }>) {
    out.set(r.id, Number(r.last_seq));
  }
  return out;
}

export interface Head {
  id: string;
  kind: ConversationKind;
  lastSeq: number;
  lastMsgId: string;
  at: number;
}

/** Creates or advances conversation heads in one statement. */
export async function upsertHeads(db: Exec, heads: Head[]): Promise<void> {
  if (heads.length === 0) return;
  await later(
    db,
    insertRows(
      "conversations",
      ["id", "kind", "last_seq", "last_msg_id", "created_at", "updated_at"],
      heads.map((h) => [h.id, h.kind, h.lastSeq, h.lastMsgId, h.at, h.at]),
      "`last_seq` = VALUES(last_seq), `last_msg_id` = VALUES(last_msg_id), " +
        "`updated_at` = VALUES(updated_at)",
    ),
  );
  await touchMembers(db, heads);
}

/**
 * How stale a member's activity time may be: a busy group's member rows (up to
 * GROUP_MAX_MEMBERS of them) are rewritten at most once a second, not on every batch.
 */
export const TOUCH_GRANULARITY_MS = 1000;

/**
 * A head that advanced is activity for its current members: the conversation list orders by it
 * (to within TOUCH_GRANULARITY_MS), and a conversation hidden "until the next message" comes
 * back at once. One statement per distinct time (a batch has one).
 */
async function touchMembers(db: Exec, heads: Head[]): Promise<void> {
  const byTime = Map.groupBy(heads, (h) => h.at);
  for (const [at, group] of byTime) {
    await later(
      db,
      boundText(
        "update `conversation_members` set `active_at` = ?, `hidden` = 0" +
          ` where \`conversation_id\` in (${marks(group.length)}) and \`left_seq\` is null` +
          " and (`active_at` < ? or `hidden` = 1)",
        [at, ...group.map((h) => h.id), String(at - TOUCH_GRANULARITY_MS)],
      ),
    );
  }
}

export type Role = "owner" | "admin" | "member";

export async function addMembers(
  db: Exec,
  rows: Array<{ conversationId: string; userId: string; at: number; role?: Role }>,
): Promise<void> {
  if (rows.length === 0) return;
  await later(
    db,
    db.insertInto("conversation_members").ignore().values(rows.map((r) => ({
      conversation_id: r.conversationId,
      user_id: r.userId,
      role: r.role ?? "member",
      joined_at: r.at,
      active_at: r.at, // joining is activity: the list shows it from now
    }))),
  );
}

/** The current members' user ids of each conversation (former members excluded). */
export async function memberIdsOf(db: Exec, ids: string[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  if (ids.length === 0) return out;
  const rows = await db.selectFrom("conversation_members").select(["conversation_id", "user_id"])
    .where("conversation_id", "in", ids).where("left_seq", "is", null).execute();
  for (const r of rows) {
    const list = out.get(r.conversation_id);
    if (list) list.push(String(r.user_id));
    else out.set(r.conversation_id, [String(r.user_id)]);
  }
  return out;
}

export interface MemberState {
  conversationId: string;
  userId: string;
  readSeq: number;
  deliveredSeq: number;
  /** The conversation's last seq. */
  lastSeq: number;
  /** The member sees seqs in (clearedSeq, leftSeq ?? lastSeq]. */
  clearedSeq: number;
  /** Set for a former member. */
  leftSeq: number | null;
  mentionSeq: number;
  /** The conversation's latest seq that mentions everyone. */
  mentionAllSeq: number;
}

/** The last seq a member may see: a former member's view ends where they left. */
export const visibleLastSeq = (m: MemberState) =>
  m.leftSeq === null ? m.lastSeq : Math.min(m.lastSeq, m.leftSeq);

const memberColumns = [
  "m.conversation_id",
  "m.user_id",
  "m.read_seq",
  "m.delivered_seq",
  "m.cleared_seq",
  "m.left_seq",
  "m.mention_seq",
  "c.last_seq",
  "c.mention_all_seq",
] as const;

const MEMBER_COLUMNS_SQL = memberColumns.map((c) => c.replace(/(\w+)\.(\w+)/, "`$1`.`$2`"))
  .join(", ");

/** A row of memberRows (as the driver returns it). */
type MemberRow = Parameters<typeof toMemberState>[0];

const memberRows = (db: Exec) =>
  db.selectFrom("conversation_members as m")
    .innerJoin("conversations as c", "c.id", "m.conversation_id")
    .select(memberColumns);

/** Every member row (former members too) of these conversations, with the last seq. */
export async function membersOf(db: Exec, conversationIds: string[], lock = false) {
  if (conversationIds.length === 0) return [] as MemberState[];
  // Every delivery ack's read: bound text, not a builder (shared/db boundText).
  const rows = await rowsOf<MemberRow>(
    db,
    boundText(
      `select ${MEMBER_COLUMNS_SQL} from \`conversation_members\` as \`m\`` +
        " inner join `conversations` as `c` on `c`.`id` = `m`.`conversation_id`" +
        ` where \`m\`.\`conversation_id\` in (${marks(conversationIds.length)})` +
        (lock ? " for update" : ""),
      conversationIds,
    ),
  );
  return rows.map(toMemberState);
}

/**
 * The rows a reader's state needs, whatever the size of the conversations: the reader's own row
 * of each, and in direct chats the other member's (whose cursors give the status of the
 * reader's messages). A group's other members are never read.
 */
export async function stateRows(db: Exec, userId: string, conversationIds: string[]) {
  if (conversationIds.length === 0) return [] as MemberState[];
  const direct = conversationIds.filter((id) => parseConversationId(id)?.kind === "direct");
  const own = await memberRows(db).where("m.conversation_id", "in", conversationIds)
    .where("m.user_id", "=", userId).execute();
  const peers = direct.length
    ? await memberRows(db).where("m.conversation_id", "in", direct)
      .where("m.user_id", "!=", userId).execute()
    : [];
  return [...own, ...peers].map(toMemberState);
}

/** Only these (conversation, user) rows, optionally locked: what one actor's change touches. */
export async function memberStatesOf(
  db: Exec,
  pairs: Array<{ conversationId: string; userId: string }>,
  lock = false,
): Promise<MemberState[]> {
  if (pairs.length === 0) return [];
  let q = memberRows(db).where((eb) =>
    eb.or(
      byConversation(pairs).map(([c, users]) =>
        eb.and([eb("m.conversation_id", "=", c), eb("m.user_id", "in", users)])
      ),
    )
  );
  if (lock) q = q.forUpdate();
  return (await q.execute()).map(toMemberState);
}

/**
 * (conversation, user) pairs grouped by conversation, for `conversation_id = ? AND user_id IN
 * (...)` per conversation: one primary-key range each (an OR of 200 pairs took 5x as long).
 */
export function byConversation(
  pairs: Array<{ conversationId: string; userId: string }>,
): Array<[string, string[]]> {
  const out = new Map<string, string[]>();
  for (const p of pairs) out.set(p.conversationId, [...out.get(p.conversationId) ?? [], p.userId]);
  return [...out];
}

function toMemberState(r: Record<string, unknown>): MemberState {
  return {
    conversationId: String(r.conversation_id),
    userId: String(r.user_id),
    readSeq: Number(r.read_seq),
    deliveredSeq: Number(r.delivered_seq),
    lastSeq: Number(r.last_seq),
    clearedSeq: Number(r.cleared_seq),
    leftSeq: r.left_seq === null ? null : Number(r.left_seq),
    mentionSeq: Number(r.mention_seq),
    mentionAllSeq: Number(r.mention_all_seq ?? 0),
  };
}

/** The conversations a user belongs to (ids only; a user-level index scan). */
export async function conversationsOf(db: Exec, userId: string): Promise<string[]> {
  const rows = await db.selectFrom("conversation_members").select("conversation_id")
    .where("user_id", "=", userId).execute();
  return rows.map((r) => r.conversation_id);
}

/** Raises many members' cursors in one statement (they only ever grow). */
export async function raiseCursors(
  db: Exec,
  rows: Array<{ conversationId: string; userId: string; readSeq: number; deliveredSeq: number }>,
): Promise<void> {
  if (rows.length === 0) return;
  await later(
    db,
    insertRows(
      "conversation_members",
      ["conversation_id", "user_id", "joined_at", "read_seq", "delivered_seq"],
      // joined_at is never used: the rows exist (the caller locked them)
      rows.map((r) => [r.conversationId, r.userId, 0, r.readSeq, r.deliveredSeq]),
      "`read_seq` = GREATEST(read_seq, VALUES(read_seq)), " +
        "`delivered_seq` = GREATEST(delivered_seq, VALUES(delivered_seq))",
    ),
  );
}
