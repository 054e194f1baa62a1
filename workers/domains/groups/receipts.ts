/**
 * Group receipts, derived from the members' read cursors as a direct chat's status is (never
 * stored per message per member): a message of seq s is read by the current members, other
 * than its sender, whose read cursor reached s and who could see it (joined before it). Only
 * the sender asks about their own messages. Counting uses the (conversation, read_seq) index,
 * so in a large group it reads the readers, not every member.
 */
import { ErrorCode, NOTICE_KINDS } from "@im/protocol";
import type { Exec } from "@im/shared/db";
import { PermanentError } from "@im/shared/errors";
import type { ReadContext, ReadHandler } from "../../context.ts";
import { checkGroup, isCurrent, notFound } from "./rights.ts";
import { type GroupRow, loadGroups, memberRowsOf } from "./tables.ts";

async function checked(ctx: ReadContext, conversationId: string, userId: string) {
  const group = (await loadGroups(ctx.db, [conversationId])).get(conversationId);
  const me = group ? (await memberRowsOf(ctx.db, conversationId, [userId])).get(userId) : undefined;
  const err = checkGroup(group, me) ?? (isCurrent(me) ? null : notFound());
  return err ?? group!;
}

/** Which of these seqs are the user's own messages (notices and recalls are no one's). */
async function ownSeqs(db: Exec, conversationId: string, userId: string, seqs: number[]) {
  const rows = await db.selectFrom("messages").select("seq")
    .where("conversation_id", "=", conversationId).where("seq", "in", seqs)
    .where("sender_id", "=", userId).where("kind", "not in", [...NOTICE_KINDS]).execute();
  return rows.map((r) => Number(r.seq)).sort((a, b) => a - b);
}

/** Current members other than the sender who could see seq s: their read cursors. */
async function audienceOf(db: Exec, conversationId: string, sender: string) {
  const rows = await db.selectFrom("conversation_members")
    .select(["user_id", "read_seq", "cleared_seq"])
    .where("conversation_id", "=", conversationId).where("left_seq", "is", null)
    .where("user_id", "!=", sender).execute();
  return rows.map((r) => ({
    userId: String(r.user_id),
    readSeq: Number(r.read_seq),
    clearedSeq: Number(r.cleared_seq),
  }));
}

async function countReaders(db: Exec, g: GroupRow, sender: string, seq: number) {
  const r = await db.selectFrom("conversation_members").select((eb) => eb.fn.countAll().as("n"))
    .where("conversation_id", "=", g.conversationId).where("read_seq", ">=", seq)
    .where("cleared_seq", "<", seq).where("left_seq", "is", null)
    .where("user_id", "!=", sender).executeTakeFirstOrThrow();
  return Number(r.n);
}

export const handleGroupReceipts: ReadHandler<"group.receipts"> = async (ctx, e) => {
  const { conversationId, seqs } = e.env.frame.data;
  const me = e.env.userId;
  const g = await checked(ctx, conversationId, me);
  if (g instanceof PermanentError) return ctx.reject(e, g);
  const own = await ownSeqs(ctx.db, conversationId, me, [...new Set(seqs)]);
  const small = g.memberCount <= ctx.config.groupWriteDiffusionMax;
  // A small group's cursors fit in one read; a large one counts per seq over the index.
  const audience = small && own.length > 1 ? await audienceOf(ctx.db, conversationId, me) : null;
  const receipts = [];
  for (const seq of own) {
    const readBy = audience
      ? audience.filter((m) => m.readSeq >= seq && m.clearedSeq < seq).length
      : await countReaders(ctx.db, g, me, seq);
    receipts.push({ seq, readBy });
  }
  ctx.reply(e, { type: "group.receipts", data: { conversationId, receipts } });
};

export const handleGroupReaders: ReadHandler<"group.readers"> = async (ctx, e) => {
  const { conversationId, seq } = e.env.frame.data;
  const me = e.env.userId;
  const g = await checked(ctx, conversationId, me);
  if (g instanceof PermanentError) return ctx.reject(e, g);
  const max = ctx.config.groupReceiptsDetailMax;
  if (g.memberCount > max) {
    return ctx.reject(
      e,
      new PermanentError(
        ErrorCode.RECEIPTS_DETAIL_UNAVAILABLE,
        `readers are listed in groups of up to ${max} members; ask group.receipts for counts`,
      ),
    );
  }
  if ((await ownSeqs(ctx.db, conversationId, me, [seq])).length === 0) {
    return ctx.reject(e, new PermanentError(ErrorCode.NOT_FOUND, "no such message of yours"));
  }
  const audience = (await audienceOf(ctx.db, conversationId, me)).filter((m) => m.clearedSeq < seq);
  ctx.reply(e, {
    type: "group.readers",
    data: {
      conversationId,
      seq,
      readers: audience.filter((m) => m.readSeq >= seq).map((m) => m.userId),
      unread: audience.filter((m) => m.readSeq < seq).map((m) => m.userId),
    },
  });
};

/** A read cursor moving this far is reported live only to the senders of its last seqs. */
export const READ_PUSH_SPAN = 1000;

/**
 * Whom a group member's read cursor moving from `from` to `to` concerns: the senders of the
 * messages it covers (their "read by N" changed), not the whole group. Delivered cursors of
 * groups are not pushed at all.
 */
export async function readReceiptAudience(
  db: Exec,
  conversationId: string,
  reader: string,
  from: number,
  to: number,
): Promise<string[]> {
  if (to <= from) return [];
  const rows = await db.selectFrom("messages").select("sender_id").distinct()
    .where("conversation_id", "=", conversationId)
    .where("seq", ">", Math.max(from, to - READ_PUSH_SPAN)).where("seq", "<=", to)
    .where("kind", "not in", [...NOTICE_KINDS]).where("sender_id", "!=", reader).execute();
  return rows.map((r) => String(r.sender_id));
}
