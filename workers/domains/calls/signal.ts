/**
 * call.signal: SDP and ICE relayed between the two devices of an answered call, and nobody
 * else. The hot path of a call: one pipelined read of the calls a batch names, no script, no
 * transaction; the frame goes to the other device's connection as the call's state names it.
 */
import { ErrorCode } from "@im/protocol";
import { PermanentError } from "@im/shared/errors";
import type { EphemeralHandler } from "../../context.ts";
import { callDeps, refused } from "./deps.ts";
import { type CallState, connOf } from "./store.ts";

/** The connection a signal from (user, device) goes to, or why it goes nowhere. */
export function peerOf(c: CallState | undefined, user: string, dev: string) {
  if (!c || (user !== c.caller && user !== c.callee)) return refused("nf");
  if (c.state === "ended") return refused("ended");
  if (c.state !== "active") {
    return new PermanentError(ErrorCode.CALL_STATE, "the call has not been answered yet");
  }
  if (user === c.caller && dev === c.callerDev) return connOf(c.calleeConn) ?? refused("state");
  if (user === c.callee && dev === c.calleeDev) return connOf(c.callerConn) ?? refused("state");
  return refused("state"); // the same user's other device
}

export const handleSignal: EphemeralHandler<"call.signal"> = async (ctx, entries) => {
  const calls = await callDeps(ctx).store.getMany(entries.map((e) => e.env.frame.data.callId));
  for (const e of entries) {
    const { callId, sdp, candidate } = e.env.frame.data;
    const c = calls.get(callId);
    const peer = peerOf(c, e.env.userId, e.env.deviceId);
    if (peer instanceof PermanentError) {
      ctx.reject(e, peer);
      continue;
    }
    ctx.outbox.toConn(peer, {
      type: "call.signal",
      data: {
        callId,
        conversationId: c!.conv,
        from: e.env.userId,
        ...(sdp ? { sdp } : {}),
        ...(candidate ? { candidate } : {}),
      },
    });
  }
};
