/**
 * call.invite: a member of a direct conversation rings the other member on every device.
 * `checkInvite` decides who is called (or refuses: a non-member and an unknown user get
 * NOT_FOUND; a block either way, or a callee who takes direct messages from friends only, get
 * REFUSED, the same answer as a direct message gets, so neither is told apart); `doInvite`
 * creates the call, claims both
 * users' lines (a callee already in a call makes it a stored "busy" call), starts the ring timer.
 */
import { type DmPolicy, ErrorCode, parseConversationId } from "@im/protocol";
import { PermanentError } from "@im/shared/errors";
import type { Entry, EphemeralContext, EphemeralHandler } from "../../context.ts";
import { refusedDirect } from "../social/audience.ts";
import { refused } from "../social/common.ts";
import { existingUsers } from "../users/tables.ts";
import { type CallDeps, callDeps, ENDED_KEEP_MS, schedule } from "./deps.ts";
import { finishCall } from "./finish.ts";
import { connKey } from "./store.ts";

type InviteEntry = Entry<"call.invite">;

const notFound = () => new PermanentError(ErrorCode.NOT_FOUND, "no such conversation");

/** The callee of an invite, or why not (pure but for the lookups it is handed). */
export async function checkInvite(
  ctx: EphemeralContext,
  e: InviteEntry,
): Promise<string | PermanentError> {
  const me = e.env.userId;
  const conv = parseConversationId(e.env.frame.data.conversationId);
  if (!conv || !(await ctx.members.includes(conv.id, me))) return notFound();
  if (conv.kind !== "direct") {
    return new PermanentError(ErrorCode.CALL_UNSUPPORTED, "group calls are not supported yet");
  }
  const callee = conv.members[0] === me ? conv.members[1] : conv.members[0];
  if (!(await existingUsers(ctx.db, [callee])).has(callee)) return notFound();
  const refusedPairs = await refusedDirect(
    ctx.db,
    [[me, callee]],
    ctx.config.dmPolicy as DmPolicy,
  );
  if (refusedPairs.size > 0) return refused();
  return callee;
}

export const handleInvite: EphemeralHandler<"call.invite"> = async (ctx, entries) => {
  const d = callDeps(ctx);
  for (const e of entries) {
    const callee = await checkInvite(ctx, e);
    if (callee instanceof PermanentError) ctx.reject(e, callee);
    else await doInvite(ctx, d, e, callee);
  }
};

async function doInvite(ctx: EphemeralContext, d: CallDeps, e: InviteEntry, callee: string) {
  const { callId, conversationId, media } = e.env.frame.data;
  const ringMs = ctx.config.callRingSec * 1000;
  const lineMs = ringMs + 60_000; // outlives the ring timer, in case a worker dies meanwhile
  const created = await d.store.create({
    id: callId,
    conv: conversationId,
    media,
    caller: e.env.userId,
    callerDev: e.env.deviceId,
    callerConn: connKey(e.env),
    callee,
    now: ctx.now,
    ttlMs: lineMs,
  });
  if (!created) {
    return ctx.reject(e, new PermanentError(ErrorCode.CALL_ID_TAKEN, "callId is in use"));
  }
  if (!(await claimLine(d, e.env.userId, callId, lineMs))) {
    // The caller is in another call: this one never happened.
    await ctx.redis.del(ctx.keys.call(callId));
    return ctx.reject(e, new PermanentError(ErrorCode.CALL_BUSY, "you are in another call"));
  }
  if (!(await claimLine(d, callee, callId, lineMs))) {
    const by = { user: e.env.userId, dev: e.env.deviceId };
    const r = await d.store.end(callId, "busy", by, ctx.now, ENDED_KEEP_MS);
    if (r.ok) await finishCall(d, ctx.outbox, r.call, e.env.connId);
    return ctx.reject(e, new PermanentError(ErrorCode.CALL_BUSY, "they are in another call"));
  }
  await schedule(d, [[{ kind: "ring", callId, userId: "", deviceId: "" }, ctx.now + ringMs]]);
  const base = { callId, conversationId, media, expiresInMs: ringMs };
  ctx.reply(e, {
    type: "call.ringing",
    data: { ...base, to: callee, iceServers: await d.ice.for(e.env.userId, ctx.now) },
  });
  ctx.outbox.toUsers([callee], {
    type: "call.incoming",
    data: { ...base, from: e.env.userId, iceServers: await d.ice.for(callee, ctx.now) },
  });
}

/** Claims a user's line; a line left by a call that is over (or gone) is taken over. */
async function claimLine(d: CallDeps, userId: string, callId: string, ttlMs: number) {
  const held = await d.store.claimLine(userId, callId, ttlMs);
  if (held === "ok") return true;
  const other = await d.store.get(held);
  if (other && other.state !== "ended") return false;
  await d.store.releaseLine(userId, held);
  return (await d.store.claimLine(userId, callId, ttlMs)) === "ok";
}
