/**
 * sync: what a device missed, paged. The device sends the cursors it holds; conversations it
 * does not name start at 0, so a new device gets everything. Each page reads at most `limit`
 * messages (one bounded query per conversation until the budget is spent), so a user with
 * thousands of missed messages never has them all in memory. Each conversation named in the
 * cursors or with new messages comes with the cursors that give the final statuses.
 */
import {
  type ConversationState,
  ErrorCode,
  type MessageView,
  PermanentError,
} from "@im/shared/protocol";
import type { BatchContext, Entry, Handler } from "../batch.ts";
import { conversationsOf, membersOf } from "../tables/conversations.ts";
import { pageOf } from "../tables/messages.ts";
import { toView } from "../views.ts";

export const DEFAULT_SYNC_LIMIT = 200;

export const handleSync: Handler<"sync"> = async (ctx, entries) => {
  for (const e of entries) await syncOne(ctx, e);
};

async function syncOne(ctx: BatchContext, e: Entry<"sync">) {
  const userId = e.env.userId;
  const cursors = new Map((e.env.frame.data.cursors ?? []).map((c) => [c.conversationId, c.seq]));
  const mine = (await conversationsOf(ctx.tx, userId)).sort();
  const members = await membersOf(ctx.tx, mine);
  const states = new Map<string, ConversationState>();
  for (const m of members) {
    const s = states.get(m.conversationId) ??
      {
        conversationId: m.conversationId,
        lastSeq: m.lastSeq,
        readSeq: 0,
        peerDeliveredSeq: 0,
        peerReadSeq: 0,
      };
    if (m.userId === userId) s.readSeq = m.readSeq;
    else [s.peerDeliveredSeq, s.peerReadSeq] = [m.deliveredSeq, m.readSeq];
    states.set(m.conversationId, s);
  }
  for (const [conversationId, seq] of cursors) {
    const s = states.get(conversationId);
    if (!s) {
      return ctx.reject(
        e,
        new PermanentError(ErrorCode.NOT_FOUND, `no such conversation ${conversationId}`),
      );
    }
    if (seq > s.lastSeq) {
      return ctx.reject(
        e,
        new PermanentError(
          ErrorCode.CURSOR_INVALID,
          `cursor ${seq} of ${conversationId} is in the future`,
        ),
      );
    }
  }
  let budget = e.env.frame.data.limit ?? DEFAULT_SYNC_LIMIT;
  let more = false;
  const conversations: Array<ConversationState & { messages: MessageView[] }> = [];
  for (const conversationId of mine) {
    const s = states.get(conversationId)!;
    const cursor = cursors.get(conversationId) ?? 0;
    const behind = s.lastSeq > cursor;
    if (!behind && !cursors.has(conversationId)) continue;
    let messages: MessageView[] = [];
    if (behind && budget > 0) {
      const page = await pageOf(ctx.tx, conversationId, { afterSeq: cursor }, budget);
      messages = page.messages.map(toView);
      budget -= messages.length;
      more ||= page.more;
    } else if (behind) {
      more = true;
    }
    conversations.push({ ...s, messages });
  }
  ctx.reply(e, { type: "sync.page", data: { conversations, more } });
}
