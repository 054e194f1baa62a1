/**
 * Where a stored message goes, chosen per conversation. Write diffusion (direct chats, groups up
 * to GROUP_WRITE_DIFFUSION_MAX members): every member gets an inbox entry in the transaction
 * and a push to each online device (with re-push until acked). Read diffusion (larger groups):
 * the message is stored once, members read the group's timeline from their own cursor, and the
 * push goes only to the connections watching the group, so its cost follows who is online and
 * not who is a member. `alsoTo` names users outside the current members who must still hear of
 * it (the member a notice removed).
 */
import { type Diffusion, parseConversationId, type ServerFrame } from "@im/protocol";
import type { TxContext } from "../../context.ts";
import type { UserOptions } from "../../outbox.ts";
import { appendInbox } from "./inbox.ts";
import { diffusionOf, groupsOf } from "./state.ts";

export async function recipients(
  ctx: TxContext,
  conversationId: string,
): Promise<{ mode: Diffusion; users: string[] }> {
  if (parseConversationId(conversationId)?.kind === "group") {
    const g = (await groupsOf(ctx, ctx.tx, [conversationId])).get(conversationId);
    if (diffusionOf(g, ctx.config) === "read") return { mode: "read", users: [] };
  }
  return { mode: "write", users: await ctx.members.ofOne(conversationId) };
}

const union = (a: string[], b: string[]) => b.length ? [...new Set([...a, ...b])] : a;

/** Pushes a frame about a conversation to its audience (see the module doc). */
export async function fanOut(
  ctx: TxContext,
  conversationId: string,
  frame: ServerFrame,
  opts: UserOptions = {},
  alsoTo: string[] = [],
): Promise<void> {
  const r = await recipients(ctx, conversationId);
  if (r.mode === "write") return ctx.outbox.toUsers(union(r.users, alsoTo), frame, opts);
  ctx.outbox.toWatchers(conversationId, frame, { exceptConnId: opts.exceptConnId });
  if (alsoTo.length) ctx.outbox.toUsers(alsoTo, frame, { exceptConnId: opts.exceptConnId });
}

export interface Diffused {
  partition: number;
  conversationId: string;
  seq: number;
  alsoTo?: string[];
}

/**
 * Writes the inbox entries of newly stored messages (every path that stores a message calls
 * this in its transaction, or devices syncing by inbox learn of it only through gap filling).
 */
export async function diffuse(ctx: TxContext, items: Diffused[]): Promise<void> {
  const entries = [];
  for (const i of items) {
    const r = await recipients(ctx, i.conversationId);
    const users = r.mode === "write" ? union(r.users, i.alsoTo ?? []) : i.alsoTo ?? [];
    entries.push({
      partition: i.partition,
      conversationId: i.conversationId,
      seq: i.seq,
      userIds: users,
    });
  }
  await appendInbox(ctx.tx, entries);
}
