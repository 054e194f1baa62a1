/**
 * msg.react: a member adds or removes one emoji on a message they can see (current members only:
 * a former member cannot react). Adding twice or removing what is not there changes nothing and
 * answers the same. Reactions are not notices: they take no seq; devices see the live push and,
 * later, the counts in history and sync pages.
 */
import { ErrorCode, type ReactionChanged } from "@im/protocol";
import { PermanentError } from "@im/shared/errors";
import type { Entry, TxContext, TxHandler } from "../../context.ts";
import { membersOf } from "../conversations/tables.ts";
import { findById, type StoredMessage } from "./tables.ts";
import { reactionCounts, setReaction } from "./reactions_tables.ts";

type ReactEntry = Entry<"msg.react">;

const notFound = () => new PermanentError(ErrorCode.NOT_FOUND, "no such message");

export const handleReact: TxHandler<"msg.react"> = async (ctx, entries) => {
  for (const e of entries) await reactOne(ctx, e);
};

/** The message, if the user is a current member whose window holds it and it can take one. */
async function target(ctx: TxContext, e: ReactEntry): Promise<StoredMessage | PermanentError> {
  const m = await findById(ctx.tx, e.env.frame.data.msgId);
  if (!m || m.kind === "recall" || m.kind === "edit") return notFound();
  const me = (await membersOf(ctx.tx, [m.conversationId]))
    .find((r) => r.userId === e.env.userId);
  if (!me || me.leftSeq !== null || m.seq <= me.clearedSeq) return notFound();
  if (m.recalledAt) return new PermanentError(ErrorCode.ALREADY_RECALLED, "message was recalled");
  return m;
}

async function reactOne(ctx: TxContext, e: ReactEntry) {
  const { emoji, add } = e.env.frame.data;
  const m = await target(ctx, e);
  if (m instanceof PermanentError) return ctx.reject(e, m);
  const userId = e.env.userId;
  const before = await reactionCounts(ctx.tx, m.msgId, userId, emoji);
  if (add && !before.has && before.mine >= ctx.config.maxReactionsPerUser) {
    return ctx.reject(
      e,
      new PermanentError(
        ErrorCode.REACTION_LIMIT,
        `at most ${ctx.config.maxReactionsPerUser} reactions per message`,
      ),
    );
  }
  const changed = await setReaction(ctx.tx, { msgId: m.msgId, userId, emoji, add, at: ctx.now });
  const { count } = await reactionCounts(ctx.tx, m.msgId, userId, emoji);
  const data: ReactionChanged = {
    conversationId: m.conversationId,
    msgId: m.msgId,
    seq: m.seq,
    by: userId,
    emoji,
    add,
    count,
  };
  ctx.reply(e, { type: "msg.reaction", data });
  if (!changed) return; // nothing new for the others
  const members = await ctx.members.ofOne(m.conversationId);
  ctx.outbox.toUsers(members, { type: "msg.reaction", data }, { exceptConnId: e.env.connId });
}
