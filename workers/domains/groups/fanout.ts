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

export interface Audience {
  mode: Diffusion;
  /** Write diffusion: the current members; read diffusion: none (the watchers are online). */
  users: string[];
}

/** The audience of each conversation, in at most two queries for all of them (then cached). */
export async function recipientsOf(ctx: TxContext, ids: string[]): Promise<Map<string, Audience>> {
  const unique = [...new Set(ids)];
  const groupIds = unique.filter((id) => parseConversationId(id)?.kind === "group");
  const groups = await groupsOf(ctx, ctx.tx, groupIds);
  const read = new Set(groupIds.filter((id) => diffusionOf(groups.get(id), ctx.config) === "read"));
  const members = await ctx.members.of(unique.filter((id) => !read.has(id)));
  return new Map(unique.map((id) => [
    id,
    read.has(id) ? { mode: "read", users: [] } : { mode: "write", users: members.get(id) ?? [] },
  ]));
}

export async function recipients(ctx: TxContext, conversationId: string): Promise<Audience> {
  return (await recipientsOf(ctx, [conversationId])).get(conversationId)!;
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
  const audiences = await recipientsOf(ctx, items.map((i) => i.conversationId));
  await appendInbox(
    ctx.tx,
    items.map((i) => {
      const a = audiences.get(i.conversationId)!;
      const users = a.mode === "write" ? union(a.users, i.alsoTo ?? []) : i.alsoTo ?? [];
      return {
        partition: i.partition,
        conversationId: i.conversationId,
        seq: i.seq,
        userIds: users,
      };
    }),
    ctx.inboxPositions,
  );
}
