/**
 * What the send path asks of groups: who may send (a current member, not muted, the group not
 * dissolved), which mentions are valid (current members; @all for the owner and admins only),
 * and, once messages are stored, the mention cursors and inbox entries they cause. Reads only the
 * rows named: the sender's and the mentioned members', never the whole member list of a large
 * group.
 */
import { ErrorCode, parseConversationId } from "@im/protocol";
import { later } from "@im/shared/db";
import { PermanentError } from "@im/shared/errors";
import type { Entry, TxContext } from "../../context.ts";
import type { StoredMessage } from "../messages/tables.ts";
import { diffuse } from "./fanout.ts";
import { checkSender, isCurrent, isModerator } from "./rights.ts";
import { groupsOf } from "./state.ts";
import { memberRowsByPair, memberRowsOf } from "./tables.ts";
import { decodeMentions } from "./views.ts";

type SendEntry = Entry<"msg.send">;

/** Pure: mentions belong to groups only. */
export function checkMentionKind(kind: string, data: SendEntry["env"]["frame"]["data"]) {
  if (kind === "group" || (!data.mentions?.length && !data.mentionAll)) return null;
  return new PermanentError(ErrorCode.MENTION_INVALID, "mentions are for group messages");
}

/** Rejects the sends that may not go (with their code) and returns those that may. */
export async function checkGroupSends(
  ctx: TxContext,
  entries: SendEntry[],
): Promise<Set<SendEntry>> {
  const ok = new Set<SendEntry>();
  if (entries.length === 0) return ok;
  const conv = (e: SendEntry) => e.env.frame.data.conversationId!;
  const groups = await groupsOf(ctx, ctx.tx, entries.map(conv));
  const rows = await memberRowsByPair(
    ctx.tx,
    entries.map((e) => ({ conversationId: conv(e), userId: e.env.userId })),
  );
  const rowOf = (e: SendEntry) =>
    rows.find((r) => r.conversationId === conv(e) && r.userId === e.env.userId);
  for (const e of entries) {
    const me = rowOf(e);
    const err = checkSender(groups.get(conv(e)), me, ctx.now) ??
      (e.env.frame.data.mentionAll && !isModerator(me)
        ? new PermanentError(
          ErrorCode.MENTION_ALL_FORBIDDEN,
          "only the owner and admins can mention everyone",
        )
        : await checkMentioned(ctx, conv(e), e.env.frame.data.mentions ?? []));
    if (err) ctx.reject(e, err);
    else ok.add(e);
  }
  return ok;
}

async function checkMentioned(ctx: TxContext, conversationId: string, users: string[]) {
  if (users.length === 0) return null;
  const rows = await memberRowsOf(ctx.tx, conversationId, [...new Set(users)]);
  return users.every((u) => isCurrent(rows.get(u)))
    ? null
    : new PermanentError(ErrorCode.MENTION_INVALID, "you can only mention current members");
}

/**
 * After the messages are inserted: raises the mentioned members' mention cursors (@all is one
 * row on the conversation, whatever its size) and writes the inbox entries.
 */
export async function afterSend(
  ctx: TxContext,
  rows: StoredMessage[],
  partitionOf: (m: StoredMessage) => number,
): Promise<void> {
  for (const m of rows) {
    const mentions = decodeMentions(m.mentions);
    if (!mentions) continue;
    const users = mentions.users.filter((u) => u !== m.senderId);
    if (users.length) {
      await later(
        ctx.tx,
        ctx.tx.updateTable("conversation_members")
          .set((eb) => ({ mention_seq: eb.fn("GREATEST", [eb.ref("mention_seq"), eb.val(m.seq)]) }))
          .where("conversation_id", "=", m.conversationId).where("user_id", "in", users),
      );
    }
    if (mentions.all) {
      await later(
        ctx.tx,
        ctx.tx.updateTable("conversations")
          .set((eb) => ({
            mention_all_seq: eb.fn("GREATEST", [eb.ref("mention_all_seq"), eb.val(m.seq)]),
          }))
          .where("id", "=", m.conversationId),
      );
    }
  }
  await diffuse(
    ctx,
    rows.map((m) => ({ partition: partitionOf(m), conversationId: m.conversationId, seq: m.seq })),
  );
}

/**
 * The rights of an action on an existing message (recall, edit, react): who counts as a member
 * (in a group the actor's row only, never its whole member list) and whether the actor moderates
 * it (owner and admins recall anyone's message, within the window). A dissolved group's messages
 * stay as they are. With `asSender` (an edit: new content for everyone) the group's mutes apply
 * as they do to sending.
 */
export async function actorRights(
  ctx: TxContext,
  conversationId: string,
  userId: string,
  asSender = false,
): Promise<{ members: string[]; moderator: boolean } | PermanentError> {
  if (parseConversationId(conversationId)?.kind !== "group") {
    return { members: await ctx.members.ofOne(conversationId), moderator: false };
  }
  const group = (await groupsOf(ctx, ctx.tx, [conversationId])).get(conversationId);
  const me = (await memberRowsOf(ctx.tx, conversationId, [userId])).get(userId);
  if (group?.dissolvedAt && me) {
    return new PermanentError(ErrorCode.GROUP_DISSOLVED, "the group was dissolved");
  }
  const muted = asSender && isCurrent(me) ? checkSender(group, me, ctx.now) : null;
  if (muted) return muted;
  return { members: isCurrent(me) ? [userId] : [], moderator: isModerator(me) };
}
