/** history: one page of a conversation the user belongs to, by seq range (limit at most 100). */
import { ErrorCode } from "@im/protocol";
import { PermanentError } from "@im/shared/errors";
import type { ReadHandler } from "../../context.ts";
import { stateRows } from "../conversations/tables.ts";
import { pageOf } from "../messages/tables.ts";
import { toView } from "../messages/views.ts";
import { statesFor } from "./states.ts";

export const DEFAULT_HISTORY_LIMIT = 50;

export const handleHistory: ReadHandler<"history"> = async (ctx, e) => {
  const { conversationId, beforeSeq, afterSeq, limit } = e.env.frame.data;
  const state = statesFor(e.env.userId, await stateRows(ctx.db, e.env.userId, [conversationId]))
    .get(conversationId);
  if (!state) return ctx.reject(e, new PermanentError(ErrorCode.NOT_FOUND, "no such conversation"));
  if ((afterSeq ?? 0) > state.lastSeq || (beforeSeq ?? 0) > state.lastSeq + 1) {
    return ctx.reject(
      e,
      new PermanentError(
        ErrorCode.CURSOR_INVALID,
        `seq is beyond the last message (${state.lastSeq})`,
      ),
    );
  }
  const page = await pageOf(
    ctx.db,
    conversationId,
    { beforeSeq, afterSeq },
    limit ?? DEFAULT_HISTORY_LIMIT,
    state.window,
  );
  ctx.reply(e, {
    type: "history.page",
    data: {
      conversationId,
      messages: page.messages.map(toView),
      more: page.more,
      clearedSeq: state.clearedSeq,
      // The status of each of the user's own messages follows from these (see PROTOCOL.md).
      peerDeliveredSeq: state.peerDeliveredSeq,
      peerReadSeq: state.peerReadSeq,
    },
  });
};
