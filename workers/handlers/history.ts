/** history: one page of a conversation the user belongs to, by seq range (limit at most 100). */
import { ErrorCode, PermanentError } from "@im/shared/protocol";
import type { Handler } from "../batch.ts";
import { membersOf } from "../tables/conversations.ts";
import { pageOf } from "../tables/messages.ts";
import { toView } from "../views.ts";

export const DEFAULT_HISTORY_LIMIT = 50;

export const handleHistory: Handler<"history"> = async (ctx, entries) => {
  for (const e of entries) {
    const { conversationId, beforeSeq, afterSeq, limit } = e.env.frame.data;
    const members = await membersOf(ctx.tx, [conversationId]);
    const me = members.find((m) => m.userId === e.env.userId);
    const peer = members.find((m) => m.userId !== e.env.userId);
    if (!me) {
      ctx.reject(e, new PermanentError(ErrorCode.NOT_FOUND, "no such conversation"));
      continue;
    }
    if ((afterSeq ?? 0) > me.lastSeq || (beforeSeq ?? 0) > me.lastSeq + 1) {
      ctx.reject(
        e,
        new PermanentError(
          ErrorCode.CURSOR_INVALID,
          `seq is beyond the last message (${me.lastSeq})`,
        ),
      );
      continue;
    }
    const page = await pageOf(
      ctx.tx,
      conversationId,
      { beforeSeq, afterSeq },
      limit ?? DEFAULT_HISTORY_LIMIT,
    );
    ctx.reply(e, {
      type: "history.page",
      data: {
        conversationId,
        messages: page.messages.map(toView),
        more: page.more,
        // The status of each of the user's own messages follows from these (see PROTOCOL.md).
        peerDeliveredSeq: peer?.deliveredSeq ?? 0,
        peerReadSeq: peer?.readSeq ?? 0,
      },
    });
  }
};
