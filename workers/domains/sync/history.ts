/**
 * history: one page of a conversation the user belongs to (or belonged to), within what they
 * may see, by seq range (limit at most 100). `historyPage` is also the HTTP history route's
 * query (exported as @im/workers/queries), so both answer alike.
 */
import { type ClientData, ErrorCode, type HistoryPage } from "@im/protocol";
import type { Exec } from "@im/shared/db";
import { PermanentError } from "@im/shared/errors";
import type { ReadHandler } from "../../context.ts";
import { membersOf } from "../conversations/tables.ts";
import { pageOf } from "../messages/tables.ts";
import { viewsFor } from "../messages/hydrate.ts";
import { statesFor } from "./states.ts";

export const DEFAULT_HISTORY_LIMIT = 50;

export type HistoryOutcome = { ok: true; page: HistoryPage } | { ok: false; error: PermanentError };

export async function historyPage(
  db: Exec,
  userId: string,
  req: ClientData<"history">,
): Promise<HistoryOutcome> {
  const { conversationId, beforeSeq, afterSeq, limit } = req;
  const state = statesFor(userId, await membersOf(db, [conversationId])).get(conversationId);
  if (!state) {
    return { ok: false, error: new PermanentError(ErrorCode.NOT_FOUND, "no such conversation") };
  }
  if ((afterSeq ?? 0) > state.lastSeq || (beforeSeq ?? 0) > state.lastSeq + 1) {
    const message = `seq is beyond the last message (${state.lastSeq})`;
    return { ok: false, error: new PermanentError(ErrorCode.CURSOR_INVALID, message) };
  }
  const page = await pageOf(
    db,
    conversationId,
    { beforeSeq, afterSeq },
    limit ?? DEFAULT_HISTORY_LIMIT,
    state.window,
  );
  return {
    ok: true,
    page: {
      conversationId,
      messages: await viewsFor(db, userId, page.messages, state.window),
      more: page.more,
      clearedSeq: state.clearedSeq,
      // The status of each of the user's own messages follows from these (see PROTOCOL.md).
      peerDeliveredSeq: state.peerDeliveredSeq,
      peerReadSeq: state.peerReadSeq,
    },
  };
}

export const handleHistory: ReadHandler<"history"> = async (ctx, e) => {
  const out = await historyPage(ctx.db, e.env.userId, e.env.frame.data);
  if (out.ok) ctx.reply(e, { type: "history.page", data: out.page });
  else ctx.reject(e, out.error);
};
