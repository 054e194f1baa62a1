/**
 * The inbox: write diffusion. Each message of a conversation that diffuses on write (a direct
 * chat, a group up to GROUP_WRITE_DIFFUSION_MAX members) gets one entry per recipient, so a
 * device syncs all such conversations from one cursor however many it is in. Positions are
 * handed out per partition under that partition's row lock: a partition has one (fenced)
 * writer, its transactions commit one after another, so its positions become visible in order
 * and a cursor past a position can never miss an entry committed later. The cursor is one
 * position per partition, written "part:pos,part:pos" (partitions at 0 are left out).
 */
import { type Exec, insertRows, later, rowsOf, selectIn } from "@im/shared/db";

export interface InboxItem {
  partition: number;
  conversationId: string;
  seq: number;
  userIds: string[];
}

const CHUNK = 2000;

/** The locking read of partitions' positions (for readTogether); parts must not be empty. */
export function positionsRead(parts: number[]) {
  return selectIn("inbox_positions", ["part", "pos"], "part", parts, true);
}

/** Positions by partition (0 for one never written) from positionsRead's rows. */
export function positionsOf(parts: number[], rows: unknown[]): Map<number, number> {
  const pos = new Map(parts.map((p) => [p, 0]));
  for (const r of rows as Array<{ part: number; pos: string | number }>) {
    pos.set(Number(r.part), Number(r.pos));
  }
  return pos;
}

/**
 * Appends entries in their order; one locking read and three writes, whatever their number.
 * `locked`: positions this transaction has already read under lock (positionsRead), kept up to
 * date here; the read is skipped when it covers every partition written.
 */
export async function appendInbox(
  db: Exec,
  items: InboxItem[],
  locked?: Map<number, number>,
): Promise<void> {
  const live = items.filter((i) => i.userIds.length > 0 && i.partition >= 0);
  if (live.length === 0) return;
  const parts = [...new Set(live.map((i) => i.partition))].sort((a, b) => a - b);
  const pos = locked && parts.every((p) => locked.has(p))
    ? locked
    : positionsOf(parts, await rowsOf(db, positionsRead(parts)));
  const messages: Array<[number, string, string, number]> = [];
  const entries: Array<[string, number, string]> = [];
  for (const i of live) {
    const p = String(pos.get(i.partition)! + 1);
    pos.set(i.partition, Number(p));
    messages.push([i.partition, p, i.conversationId, i.seq]);
    for (const u of new Set(i.userIds)) entries.push([u, i.partition, p]);
  }
  // Written behind (shared/db/write_behind.ts): they ride with the transaction's next statement.
  // As text (insertRows): a large group's message has one inbox row per member.
  await later(
    db,
    insertRows("inbox_messages", ["part", "pos", "conversation_id", "seq"], messages),
  );
  for (let k = 0; k < entries.length; k += CHUNK) {
    await later(db, insertRows("inbox", ["user_id", "part", "pos"], entries.slice(k, k + CHUNK)));
  }
  await later(
    db,
    insertRows(
      "inbox_positions",
      ["part", "pos"],
      parts.map((p) => [p, String(pos.get(p)!)]),
      "`pos` = VALUES(pos)",
    ),
  );
  if (locked && pos !== locked) { for (const p of parts) locked.set(p, pos.get(p)!); }
}

export type InboxCursor = Map<number, number>;

/** Parses a cursor; null if it names a partition this deployment does not have. */
export function decodeCursor(token: string, partitions: number): InboxCursor | null {
  const out: InboxCursor = new Map();
  if (token === "") return out;
  for (const pair of token.split(",")) {
    const [p, n] = pair.split(":").map(Number);
    if (!Number.isSafeInteger(p) || p >= partitions || !Number.isSafeInteger(n)) return null;
    out.set(p, Math.max(out.get(p) ?? 0, n));
  }
  return out;
}

export function encodeCursor(c: InboxCursor): string {
  return [...c].filter(([, n]) => n > 0).sort(([a], [b]) => a - b).map(([p, n]) => `${p}:${n}`)
    .join(",");
}

export interface InboxEntry {
  part: number;
  pos: number;
  conversationId: string;
  seq: number;
}

/** The next `limit` entries after the cursor, by (partition, position); `more` if others wait. */
export async function readInbox(
  db: Exec,
  userId: string,
  cursor: InboxCursor,
  partitions: number,
  limit: number,
): Promise<{ entries: InboxEntry[]; more: boolean }> {
  const rows = await db.selectFrom("inbox as i")
    .innerJoin(
      "inbox_messages as x",
      (j) => j.onRef("x.part", "=", "i.part").onRef("x.pos", "=", "i.pos"),
    )
    .select(["i.part", "i.pos", "x.conversation_id", "x.seq"])
    .where("i.user_id", "=", userId)
    .where((eb) =>
      eb.or(
        Array.from({ length: partitions }, (_, p) =>
          eb.and([eb("i.part", "=", p), eb("i.pos", ">", String(cursor.get(p) ?? 0))])),
      )
    )
    .orderBy("i.part").orderBy("i.pos").limit(limit + 1).execute();
  return {
    entries: rows.slice(0, limit).map((r) => ({
      part: Number(r.part),
      pos: Number(r.pos),
      conversationId: r.conversation_id,
      seq: Number(r.seq),
    })),
    more: rows.length > limit,
  };
}

/**
 * Every partition's last position: a cursor past everything committed so far. A plain sync
 * (no inbox cursor) reads it before its pages, so every entry at or below it was committed
 * before the sync read anything and is in its pages; the device continues from it by inbox.
 */
export async function inboxHead(db: Exec): Promise<string> {
  const rows = await db.selectFrom("inbox_positions").select(["part", "pos"]).execute();
  return encodeCursor(new Map(rows.map((r) => [Number(r.part), Number(r.pos)])));
}
