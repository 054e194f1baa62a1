/**
 * conv.update (pin, mute, hide) and conv.delete (delete for me) on the conversation's partition,
 * so "delete for me" clears exactly up to the last message committed before it. Only the
 * caller's own member row changes; the reply and a push to the caller's other devices carry the
 * new settings (a device applies `clearedSeq` by dropping those messages).
 */
import { type ConversationSettings, ErrorCode } from "@im/protocol";
import { PermanentError } from "@im/shared/errors";
import type { Entry, TxContext, TxHandler } from "../../context.ts";
import { lockHeads } from "../conversations/tables.ts";
import { memberRow, saveSettings, type SettingsChange } from "./tables.ts";

type SettingsEntry = Entry<"conv.update"> | Entry<"conv.delete">;

const notFound = () => new PermanentError(ErrorCode.NOT_FOUND, "no such conversation");

async function apply(
  ctx: TxContext,
  e: SettingsEntry,
  change: (r: NonNullable<Awaited<ReturnType<typeof memberRow>>>) => SettingsChange,
) {
  const { conversationId } = e.env.frame.data;
  const row = await memberRow(ctx.tx, conversationId, e.env.userId);
  if (!row) return ctx.reject(e, notFound()); // not a member, or no such conversation
  const c = change(row);
  await saveSettings(ctx.tx, conversationId, e.env.userId, c);
  const data: ConversationSettings = {
    conversationId,
    pinned: c.pinned ?? row.pinned,
    muted: c.muted ?? row.muted,
    hidden: c.hidden ?? row.hidden,
    clearedSeq: c.clearedSeq ?? row.clearedSeq,
  };
  const frame = { type: "conv.changed", data } as const;
  ctx.reply(e, frame);
  ctx.outbox.toUser(e.env.userId, frame, { exceptConnId: e.env.connId });
}

export const handleConvUpdate: TxHandler<"conv.update"> = async (ctx, entries) => {
  for (const e of entries) {
    const { pinned, muted, hidden } = e.env.frame.data;
    await apply(ctx, e, () => ({ pinned, muted, hidden }));
  }
};

export const handleConvDelete: TxHandler<"conv.delete"> = async (ctx, entries) => {
  // The head lock orders this against sends committing on a fenced-out predecessor.
  await lockHeads(ctx.tx, [...new Set(entries.map((e) => e.env.frame.data.conversationId))]);
  for (const e of entries) {
    await apply(ctx, e, (r) => {
      const upTo = r.leftSeq === null ? r.lastSeq : Math.min(r.lastSeq, r.leftSeq);
      return { clearedSeq: Math.max(r.clearedSeq, upTo), hidden: true };
    });
  }
};
