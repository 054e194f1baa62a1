/**
 * call.accept, call.reject, call.cancel, call.hangup: each one script on the call's hash, so of
 * two devices answering at once exactly one wins (the other gets CALL_ANSWERED_ELSEWHERE), and
 * a hang-up racing the ring timeout ends the call once. Identity is the connection's: only the
 * callee answers or rejects, only the caller's device cancels, only the two devices in the call
 * hang up; anyone else learns nothing (NOT_FOUND).
 */
import type { CallEndReason, ClientFrameOf } from "@im/protocol";
import type { Entry, EphemeralContext, EphemeralHandler } from "../../context.ts";
import { callDeps, ENDED_KEEP_MS, endedFrame, RECORD_CHECK_MS, refused, schedule } from "./deps.ts";
import { finishCall } from "./finish.ts";
import { connKey, connOf } from "./store.ts";

export const handleAccept: EphemeralHandler<"call.accept"> = async (ctx, entries) => {
  const d = callDeps(ctx);
  const maxMs = ctx.config.callMaxSec * 1000;
  for (const e of entries) {
    const { callId } = e.env.frame.data;
    const r = await d.store.accept(
      callId,
      e.env.userId,
      e.env.deviceId,
      connKey(e.env),
      ctx.now,
      maxMs + 60_000,
    );
    if (!r.ok) {
      ctx.reject(e, refused(r.refusal));
      continue;
    }
    const c = r.call;
    const accepted = {
      type: "call.accepted" as const,
      data: { callId, conversationId: c.conv, by: c.callee },
    };
    ctx.reply(e, accepted);
    if (r.again) continue; // this device answered already: nothing new to tell anyone
    await Promise.all([
      d.store.extendLine(c.caller, callId, maxMs + 60_000),
      d.store.extendLine(c.callee, callId, maxMs + 60_000),
      schedule(d, [[{ kind: "limit", callId, userId: "", deviceId: "" }, ctx.now + maxMs]]),
    ]);
    const caller = connOf(c.callerConn);
    if (caller) ctx.outbox.toConn(caller, accepted);
    ctx.outbox.toUsers([c.callee], {
      type: "call.ended",
      data: { callId, conversationId: c.conv, reason: "answered_elsewhere", durationMs: 0 },
    }, { exceptConnId: e.env.connId });
  }
};

type EndType = "call.reject" | "call.cancel" | "call.hangup";

function ender<T extends EndType>(reason: CallEndReason): EphemeralHandler<T> {
  return async (ctx: EphemeralContext, entries: Array<Entry<T>>) => {
    const d = callDeps(ctx);
    for (const e of entries) {
      const { callId } = (e.env.frame as ClientFrameOf<EndType>).data;
      // Before the end, so a crash between the end and its record still gets it written.
      await schedule(d, [[
        { kind: "record", callId, userId: "", deviceId: "" },
        ctx.now + RECORD_CHECK_MS,
      ]]);
      const by = { user: e.env.userId, dev: e.env.deviceId };
      const r = await d.store.end(callId, reason, by, ctx.now, ENDED_KEEP_MS);
      if (!r.ok) {
        ctx.reject(e, refused(r.refusal));
        continue;
      }
      await finishCall(d, ctx.outbox, r.call, e.env.connId);
      ctx.reply(e, endedFrame(r.call));
    }
  };
}

export const handleReject = ender<"call.reject">("rejected");
export const handleCancel = ender<"call.cancel">("cancelled");
export const handleHangup = ender<"call.hangup">("hangup");
