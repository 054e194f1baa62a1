/**
 * sync: what a device missed, paged. The device sends the cursors it holds; conversations it
 * does not name start at 0, so a new device gets everything. Each page reads at most `limit`
 * messages (one bounded query per conversation until the budget is spent), so a user with
 * thousands of missed messages never has them all in memory. Each conversation named in the
 * cursors or with new messages comes with the cursors that give the final statuses.
 */
import { ErrorCode, type SyncConversation } from "@im/protocol";
import { PermanentError } from "@im/shared/errors";
import type { ReadHandler } from "../../context.ts";
import { conversationsOf, membersOf } from "../conversations/tables.ts";
import { pageOf } from "../messages/tables.ts";
import { type Page, viewsForPages } from "../messages/hydrate.ts";
import { statesFor, wireState } from "./states.ts";

export const DEFAULT_SYNC_LIMIT = 200;

export const handleSync: ReadHandler<"sync"> = async (ctx, e) => {
  const userId = e.env.userId;
  const cursors = new Map((e.env.frame.data.cursors ?? []).map((c) => [c.conversationId, c.seq]));
  const mine = (await conversationsOf(ctx.db, userId)).sort();
  const states = statesFor(userId, await membersOf(ctx.db, mine));
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
  const conversations: SyncConversation[] = [];
  const pages: Array<Page & { into: number }> = [];
  for (const conversationId of mine) {
    const s = states.get(conversationId)!;
    const cursor = cursors.get(conversationId) ?? 0;
    const behind = s.lastSeq > cursor;
    if (!behind && !cursors.has(conversationId)) continue;
    const messages: SyncConversation["messages"] = [];
    if (behind && budget > 0) {
      const page = await pageOf(ctx.db, conversationId, { afterSeq: cursor }, budget, s.window);
      pages.push({ rows: page.messages, window: s.window, into: conversations.length });
      budget -= page.messages.length;
      more ||= page.more;
    } else if (behind) {
      more = true;
    }
    conversations.push({ ...wireState(s), messages });
  }
  // Quotes, edits and reactions for every page at once: two queries, not two per conversation.
  const views = await viewsForPages(ctx.db, userId, pages);
  pages.forEach((p, i) => (conversations[p.into].messages = views[i]));
  ctx.reply(e, { type: "sync.page", data: { conversations, more } });
};
