/**
 * msg.send to a conversation of any size. `resolveTarget` and `checkBody` are pure; `doSend`
 * stores new messages idempotently (unique on sender + clientMsgId) and takes per-conversation
 * seqs in the batch's transaction; `emitSent` queues the ack and the deliveries that go out
 * after commit. A direct chat starts with its first message, addressed `to` a user or by its id.
 */
import { directConversationId, ErrorCode, parseConversationId } from "@im/protocol";
import { PermanentError } from "@im/shared/errors";
import type { Entry, TxContext, TxHandler } from "../../context.ts";
import { toView, type ViewExtras } from "./views.ts";
import { checkContent, type Draft, draftsFor } from "./drafts.ts";
import { refsFor } from "./hydrate.ts";
import {
  clientIdsRead,
  dedupKey,
  insertMessages,
  storedByClientId,
  type StoredMessage,
} from "./tables.ts";
import { addMembers, headsOf, headsRead, upsertHeads } from "../conversations/tables.ts";
import { existingUsers } from "../users/tables.ts";
import { consumeIds } from "../ids/tables.ts";
import { reindexMessages } from "../search/outbox.ts";
import { audienceRead, refusedDirect } from "../social/audience.ts";
import { fanOut } from "../groups/fanout.ts";
import { afterSend, checkGroupSends, checkMentionKind } from "../groups/sending.ts";
import { encodeMentions } from "../groups/views.ts";
import { positionsOf, positionsRead } from "../groups/inbox.ts";

type SendEntry = Entry<"msg.send">;

/** Where a send goes: the conversation, and for a direct chat the other member. */
export interface SendTarget {
  conversationId: string;
  kind: "direct" | "group";
  peer?: string;
}

const notFound = () => new PermanentError(ErrorCode.NOT_FOUND, "no such conversation");

export function resolveTarget(userId: string, data: SendEntry["env"]["frame"]["data"]) {
  if (data.to !== undefined) {
    if (data.to === userId) {
      return new PermanentError(ErrorCode.SELF_MESSAGE, "you cannot send a message to yourself");
    }
    return { conversationId: directConversationId(userId, data.to), kind: "direct", peer: data.to };
  }
  const c = parseConversationId(data.conversationId!);
  if (!c) return notFound();
  if (c.kind === "group") return { conversationId: c.id, kind: "group" } satisfies SendTarget;
  if (c.kind === "room") {
    return new PermanentError(ErrorCode.WRONG_KIND, "live rooms take room.send, not msg.send");
  }
  if (!c.members.includes(userId)) return notFound();
  const peer = c.members[0] === userId ? c.members[1] : c.members[0];
  return { conversationId: c.id, kind: "direct", peer } satisfies SendTarget;
}

export function checkBody(body: string, maxBodyChars: number): PermanentError | null {
  const chars = [...body].length;
  if (chars < 1 || chars > maxBodyChars) {
    return new PermanentError(
      ErrorCode.BODY_LENGTH,
      `body must have 1 to ${maxBodyChars} characters`,
    );
  }
  return null;
}

/** The target of one send, or why it is refused (pure: addressing and content). */
export function checkedTarget(
  e: SendEntry,
  maxBodyChars: number,
  maxCustomPayloadBytes = Number.MAX_SAFE_INTEGER,
): SendTarget | PermanentError {
  const t = resolveTarget(e.env.userId, e.env.frame.data);
  if (t instanceof PermanentError) return t;
  return checkContent(e.env.frame.data, { maxBodyChars, maxCustomPayloadBytes }) ??
    checkMentionKind(t.kind, e.env.frame.data) ?? (t as SendTarget);
}

export function checkSend(
  e: SendEntry,
  maxBodyChars: number,
  maxCustomPayloadBytes?: number,
): PermanentError | null {
  const t = checkedTarget(e, maxBodyChars, maxCustomPayloadBytes);
  return t instanceof PermanentError ? t : null;
}

export const handleMsgSend: TxHandler<"msg.send"> = async (ctx, entries) => {
  const targeted: Array<[SendEntry, SendTarget]> = [];
  for (const e of entries) {
    const t = checkedTarget(e, ctx.config.maxBodyChars, ctx.config.maxCustomPayloadBytes);
    if (t instanceof PermanentError) ctx.reject(e, t);
    else targeted.push([e, t]);
  }
  const pre = await prefetch(ctx, targeted);
  const valid = await checkAudience(ctx, targeted, pre);
  const results = await doSend(ctx, await draftsFor(ctx, valid), pre);
  const refs = await refsFor(ctx.tx, results.map(([, m]) => m));
  for (const [entry, msg, isNew] of results) await emitSent(ctx, entry, msg, isNew, { refs });
};

/** What every send of the batch needs read, in one round trip (ctx.readTogether). */
interface Prefetched {
  /** Rows of audienceRead for the direct sends (none: no direct send). */
  audience?: unknown[];
  /** Stored messages of these senders' clientMsgIds, by dedupKey: resends and replays. */
  known: Map<string, StoredMessage>;
  /** Conversation heads, locked to commit: last seq by id (absent: not started). */
  heads: Map<string, number>;
}

/**
 * The audience, the stored messages these clientMsgIds name, and the heads, locked, read in one
 * round trip for every addressable send, before any is refused: a refused send's head stays
 * locked to commit for nothing, which costs less than a round trip of its own.
 */
async function prefetch(
  ctx: TxContext,
  targeted: Array<[SendEntry, SendTarget]>,
): Promise<Prefetched> {
  if (targeted.length === 0) return { known: new Map(), heads: new Map() };
  const direct = targeted.flatMap(([e, t]) =>
    t.peer ? [[e.env.userId, t.peer] as [string, string]] : []
  );
  const pairs = targeted.map(([e]) => ({
    senderId: e.env.userId,
    clientMsgId: e.env.frame.data.clientMsgId,
  }));
  const convs = [...new Set(targeted.map(([, t]) => t.conversationId))];
  // The inbox positions the diffusion will take (groups/inbox.ts), unless held already.
  const parts = ctx.inboxPositions ? [] : [...new Set(targeted.map(([e]) => e.partition))];
  const rows = await ctx.readTogether([
    clientIdsRead(pairs),
    headsRead(convs),
    ...(parts.length ? [positionsRead(parts)] : []),
    ...(direct.length ? [audienceRead(ctx.tx, direct)] : []),
  ]);
  if (parts.length) ctx.inboxPositions = positionsOf(parts, rows[2]);
  return {
    known: storedByClientId(rows[0]),
    heads: headsOf(rows[1]),
    audience: direct.length ? rows.at(-1) : undefined,
  };
}

/**
 * Direct peers must exist and accept the sender (no block either way, their stranger policy);
 * a group's sender must be a member allowed to send (groups/).
 */
async function checkAudience(
  ctx: TxContext,
  targeted: Array<[SendEntry, SendTarget]>,
  pre: Prefetched,
) {
  const peers = targeted.flatMap(([, t]) => t.peer && !ctx.knownUsers.has(t.peer) ? [t.peer] : []);
  for (const id of await existingUsers(ctx.tx, peers)) ctx.knownUsers.add(id);
  const grouped = targeted.filter(([, t]) => t.kind === "group").map(([e]) => e);
  const allowed = await checkGroupSends(ctx, grouped); // rejects the others with their code
  const found = targeted.filter(([e, t]) => {
    if (!t.peer) return allowed.has(e);
    const ok = ctx.knownUsers.has(t.peer);
    if (!ok) {
      const byUser = t.peer && e.env.frame.data.to !== undefined;
      ctx.reject(
        e,
        byUser ? new PermanentError(ErrorCode.NO_SUCH_USER, "no such user") : notFound(),
      );
    }
    return ok;
  });
  return await dropRefused(ctx, found, pre);
}

/** Drops (and answers REFUSED) direct sends the receiver does not accept; see social/audience.ts. */
async function dropRefused(
  ctx: TxContext,
  found: Array<[SendEntry, SendTarget]>,
  pre: Prefetched,
) {
  const refused = await refusedDirect(
    ctx.tx,
    found.flatMap(([e, t]) => t.peer ? [[e.env.userId, t.peer] as [string, string]] : []),
    ctx.config.dmPolicy as "everyone" | "friends",
    pre.audience,
  );
  const isRefused = ([e, t]: [SendEntry, SendTarget]) =>
    t.peer !== undefined && refused.has(`${e.env.userId}>${t.peer}`);
  // A resend of a message stored before the block still gets its original ack back.
  return found.filter((st) => {
    const e = st[0];
    if (!isRefused(st) || pre.known.has(dedupKey(e.env.userId, e.env.frame.data.clientMsgId))) {
      return true;
    }
    ctx.reject(e, new PermanentError(ErrorCode.REFUSED, "this user does not accept your messages"));
    return false;
  });
}

/** Returns, per entry, the stored message and whether this entry's delivery must go out. */
async function doSend(
  ctx: TxContext,
  entries: Array<[SendEntry, SendTarget, Draft]>,
  pre: Prefetched,
): Promise<Array<[SendEntry, StoredMessage, boolean]>> {
  const keyOf = (e: SendEntry) => dedupKey(e.env.userId, e.env.frame.data.clientMsgId);
  const known = pre.known;
  const fresh = entries.filter(([e]) => !known.has(keyOf(e)));
  const reserved = await consumeIds(
    ctx.tx,
    fresh.filter(([e]) => e.env.frame.data.msgId).map(([e]) => ({
      msgId: e.env.frame.data.msgId!,
      userId: e.env.userId,
    })),
  );
  const heads = pre.heads;
  const started = new Map<string, SendTarget & { starter: string }>();
  const rows: StoredMessage[] = [];
  const out: Array<[SendEntry, StoredMessage, boolean]> = [];
  for (const [e, target, draft] of entries) {
    const prior = known.get(keyOf(e));
    if (prior) {
      // A redelivery of the entry that stored it may have crashed before publishing: publish
      // again (clients drop duplicates by seq). A client resend only gets its ack back.
      out.push([e, prior, prior.sourceEntry === e.id]);
      continue;
    }
    const wantedId = e.env.frame.data.msgId;
    if (wantedId && !reserved.delete(wantedId)) {
      // Never issued, issued to someone else, or already used (also twice in this batch).
      ctx.reject(
        e,
        new PermanentError(ErrorCode.MSG_ID_INVALID, "msgId was not reserved for you or is used"),
      );
      continue;
    }
    const { conversationId } = target;
    if (!heads.has(conversationId)) {
      started.set(conversationId, { ...target, starter: e.env.userId });
    }
    const seq = (heads.get(conversationId) ?? 0) + 1;
    heads.set(conversationId, seq);
    const msg: StoredMessage = {
      msgId: wantedId ?? ctx.nextId(),
      conversationId,
      seq,
      senderId: e.env.userId,
      clientMsgId: e.env.frame.data.clientMsgId,
      kind: draft.kind,
      body: draft.body,
      createdAt: ctx.now,
      sourceEntry: e.id,
      content: draft.content,
      mediaId: draft.mediaId,
      replyToMsgId: draft.replyToMsgId,
      mentions: encodeMentions(e.env.frame.data.mentions, e.env.frame.data.mentionAll),
    };
    known.set(keyOf(e), msg); // a duplicate later in this batch replays this one
    rows.push(msg);
    out.push([e, msg, true]);
  }
  const kinds = new Map(entries.map(([, t]) => [t.conversationId, t.kind]));
  const last = new Map(rows.map((m) => [m.conversationId, m]));
  await upsertHeads(
    ctx.tx,
    [...last.values()].map((m) => ({
      id: m.conversationId,
      kind: kinds.get(m.conversationId)!,
      lastSeq: m.seq,
      lastMsgId: m.msgId,
      at: ctx.now,
    })),
  );
  // Only a direct chat starts with a message (a group exists before anyone writes in it).
  await addMembers(
    ctx.tx,
    [...started.values()].filter((t) => t.kind === "direct").flatMap((t) => [
      { conversationId: t.conversationId, userId: t.starter, at: ctx.now },
      { conversationId: t.conversationId, userId: t.peer!, at: ctx.now },
    ]),
  );
  await insertMessages(ctx.tx, rows);
  await reindexMessages(ctx, rows.map((m) => m.msgId));
  const partitionOf = new Map(entries.map(([e]) => [e.id, e.partition]));
  await afterSend(ctx, rows, (m) => partitionOf.get(m.sourceEntry)!);
  return out;
}

async function emitSent(
  ctx: TxContext,
  e: SendEntry,
  m: StoredMessage,
  deliver: boolean,
  extras: ViewExtras,
) {
  const { msgId, seq, conversationId } = m;
  const view = toView(m, extras);
  // A plain text's ack is what it always was; anything richer carries the stored message.
  const plain = m.kind === "text" && !m.replyToMsgId && !m.content; // (a forward has content)
  ctx.reply(e, {
    type: "msg.sent",
    data: {
      clientMsgId: m.clientMsgId,
      msgId,
      seq,
      conversationId,
      serverTime: m.createdAt,
      ...(plain ? {} : { message: view }),
    },
  });
  if (!deliver) return;
  // Members' devices, or a large group's watching connections (groups/fanout.ts).
  await fanOut(
    ctx,
    conversationId,
    { type: "msg.new", data: view },
    {
      exceptConnId: e.env.connId,
      traceparent: e.env.traceparent,
      retry: { partition: e.partition, conversationId, seq, msgId },
      // No device of any other member online: the sender learns "stored offline", never "delivered".
      ifNoneReached: {
        userId: m.senderId,
        frame: { type: "msg.offline", data: { conversationId, msgId, seq } },
      },
    },
  );
}
