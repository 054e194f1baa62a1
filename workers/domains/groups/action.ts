/**
 * The shape every group management action shares: per entry, in stream order, read the group and
 * the rows it names under lock (the rights that count are those at the time the worker runs
 * it), let the action check then act, then store its notices, answer `group.ok` and push. An
 * action returns an error only before it wrote anything; a redelivered entry whose notices are
 * already stored answers again without acting twice.
 */
import type { ClientFrameOf, GroupOk, TypesOf } from "@im/protocol";
import { PermanentError } from "@im/shared/errors";
import type { Entry, TxContext, TxHandler } from "../../context.ts";
import { findByClientIds } from "../messages/tables.ts";
import { noticeKey, Notices, type Source } from "./notices.ts";
import { groupsOf } from "./state.ts";
import { type GroupRow, type MemberRow, memberRowsOf } from "./tables.ts";

export type GroupTxType = Exclude<
  Extract<TypesOf<"tx">, `group.${string}`>,
  "group.create"
>;

/** What every action sees, whatever its type (helpers shared by actions take this). */
export interface ActBase {
  ctx: TxContext;
  e: Source;
  conversationId: string;
  /** Undefined: no such group. */
  group: GroupRow | undefined;
  /** The actor's row (current or former member), if any. */
  me: MemberRow | undefined;
  /** Rows of the users the action names. */
  targets: Map<string, MemberRow>;
  notices: Notices;
}

export interface Act<T extends GroupTxType> extends ActBase {
  e: Entry<T>;
  data: ClientFrameOf<T>["data"];
}

/** What an action did: nothing (a repeated request), or which users it changed. */
export type Outcome = Omit<GroupOk, "conversationId" | "noticeSeq"> | PermanentError;

export function groupAction<T extends GroupTxType>(
  targetsOf: (data: ClientFrameOf<T>["data"]) => string[],
  run: (act: Act<T>) => Promise<Outcome>,
): TxHandler<T> {
  return async (ctx, entries) => {
    for (const e of entries) await runOne(ctx, e, targetsOf, run);
  };
}

async function runOne<T extends GroupTxType>(
  ctx: TxContext,
  e: Entry<T>,
  targetsOf: (data: ClientFrameOf<T>["data"]) => string[],
  run: (act: Act<T>) => Promise<Outcome>,
) {
  const data = (e.env.frame as { data: unknown }).data as ClientFrameOf<T>["data"];
  const conversationId = (data as { conversationId: string }).conversationId;
  const notices = new Notices(ctx, e, conversationId);
  if (await replayed(ctx, e, conversationId, notices)) return;
  const group = (await groupsOf(ctx, ctx.tx, [conversationId], true)).get(conversationId);
  const named = [...new Set(targetsOf(data))];
  const rows = group
    ? await memberRowsOf(ctx.tx, conversationId, [e.env.userId, ...named], true)
    : new Map<string, MemberRow>();
  const outcome = await run({
    ctx,
    e,
    data,
    conversationId,
    group,
    me: rows.get(e.env.userId),
    targets: rows,
    notices,
  });
  if (outcome instanceof PermanentError) {
    // Something was written already: undo the whole entry rather than keep half of it.
    if (notices.rows.length) throw outcome;
    return ctx.reject(e, outcome);
  }
  await notices.store();
  ctx.reply(e, {
    type: "group.ok",
    data: { conversationId, noticeSeq: notices.lastSeq, ...outcome },
  });
  await notices.emit();
}

/** A redelivery of an entry that committed: answer with what it stored, and push it again. */
async function replayed(ctx: TxContext, e: Source, conversationId: string, notices: Notices) {
  const key = { senderId: e.env.userId, clientMsgId: noticeKey(e.id, 0) };
  const prior = [...(await findByClientIds(ctx.tx, [key])).values()][0];
  if (!prior || prior.sourceEntry !== e.id) return false;
  ctx.reply(e, { type: "group.ok", data: { conversationId, noticeSeq: prior.seq } });
  await notices.emit([prior]);
  return true;
}
