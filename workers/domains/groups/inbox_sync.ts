/**
 * sync with an inbox cursor: everything that diffuses on write (direct chats, groups up to
 * GROUP_WRITE_DIFFUSION_MAX) comes from the user's inbox after one cursor, however many
 * conversations that is; larger groups (read diffusion) are paged from their own timelines after
 * the device's cursor for each, as plain sync does. A page reads at most `limit` messages in
 * total. Each conversation with messages in the page or named in the cursors comes with its
 * state; only the user's own rows (and a direct peer's) are read for it.
 */
import { ErrorCode, type MessageView, type SyncConversation } from "@im/protocol";
import { PermanentError } from "@im/shared/errors";
import type { Entry, ReadContext } from "../../context.ts";
import { stateRows } from "../conversations/tables.ts";
import { pageOf, type StoredMessage, toStored } from "../messages/tables.ts";
import { toView } from "../messages/views.ts";
import { type ReaderState, statesFor, wireState } from "../sync/states.ts";
import { decodeCursor, encodeCursor, readInbox } from "./inbox.ts";

const DEFAULT_LIMIT = 200;

export async function handleInboxSync(ctx: ReadContext, e: Entry<"sync">): Promise<void> {
  const userId = e.env.userId;
  const { inbox = "", limit = DEFAULT_LIMIT } = e.env.frame.data;
  const cursor = decodeCursor(inbox, ctx.config.partitions);
  if (!cursor) return ctx.reject(e, invalid("the inbox cursor names an unknown partition"));
  const named = new Map((e.env.frame.data.cursors ?? []).map((c) => [c.conversationId, c.seq]));
  const page = await readInbox(ctx.db, userId, cursor, ctx.config.partitions, limit);
  for (const x of page.entries) cursor.set(x.part, Math.max(cursor.get(x.part) ?? 0, x.pos));
  const large = await readDiffusedGroups(ctx, userId);
  const touched = [...new Set(page.entries.map((x) => x.conversationId))];
  const ids = [...new Set([...touched, ...named.keys(), ...large])].sort();
  const states = statesFor(userId, await stateRows(ctx.db, userId, ids));
  const bad = checkNamed(named, states);
  if (bad) return ctx.reject(e, bad);
  const messages = new Map<string, MessageView[]>();
  for (const m of await messagesAt(ctx, page.entries)) {
    const s = states.get(m.conversationId);
    if (!s || m.seq <= s.window.above || (s.window.upTo !== null && m.seq > s.window.upTo)) {
      continue;
    }
    push(messages, m.conversationId, toView(m));
  }
  let budget = limit - page.entries.length;
  let more = page.more;
  for (const id of large) {
    const s = states.get(id)!;
    const after = named.get(id) ?? 0;
    if (s.lastSeq <= after) continue;
    if (budget <= 0) {
      more = true;
      continue;
    }
    const p = await pageOf(ctx.db, id, { afterSeq: after }, budget, s.window);
    for (const m of p.messages) push(messages, id, toView(m));
    budget -= p.messages.length;
    more ||= p.more;
  }
  const conversations: SyncConversation[] = ids.filter((id) =>
    states.has(id) && (named.has(id) || messages.has(id))
  ).map((id) => ({ ...wireState(states.get(id)!), messages: messages.get(id) ?? [] }));
  ctx.reply(e, { type: "sync.page", data: { conversations, more, inbox: encodeCursor(cursor) } });
}

const invalid = (message: string) => new PermanentError(ErrorCode.CURSOR_INVALID, message);

function push(map: Map<string, MessageView[]>, id: string, m: MessageView) {
  const list = map.get(id);
  if (list) list.push(m);
  else map.set(id, [m]);
}

/** A named conversation must be the user's, and its cursor not past its end (as plain sync). */
function checkNamed(named: Map<string, number>, states: Map<string, ReaderState>) {
  for (const [id, seq] of named) {
    const s = states.get(id);
    if (!s) return new PermanentError(ErrorCode.NOT_FOUND, `no such conversation ${id}`);
    if (seq > s.lastSeq) return invalid(`cursor ${seq} of ${id} is in the future`);
  }
  return null;
}

/** Groups the user is (or was) in whose size means read diffusion. */
async function readDiffusedGroups(ctx: ReadContext, userId: string): Promise<string[]> {
  const rows = await ctx.db.selectFrom("conversation_members as m")
    .innerJoin("chat_groups as g", "g.conversation_id", "m.conversation_id")
    .select("m.conversation_id").where("m.user_id", "=", userId)
    .where("g.member_count", ">", ctx.config.groupWriteDiffusionMax).execute();
  return rows.map((r) => r.conversation_id);
}

/** The messages the inbox entries point at, in one query, ascending per conversation. */
async function messagesAt(
  ctx: ReadContext,
  entries: Array<{ conversationId: string; seq: number }>,
): Promise<StoredMessage[]> {
  if (entries.length === 0) return [];
  const byConv = new Map<string, number[]>();
  for (const x of entries) {
    byConv.set(x.conversationId, [...byConv.get(x.conversationId) ?? [], x.seq]);
  }
  const rows = await ctx.db.selectFrom("messages").selectAll().where((eb) =>
    eb.or(
      [...byConv].map(([c, seqs]) =>
        eb.and([eb("conversation_id", "=", c), eb("seq", "in", seqs)])
      ),
    )
  ).orderBy("conversation_id").orderBy("seq").execute();
  return rows.map(toStored);
}
