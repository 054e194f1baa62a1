/**
 * What follows the one transition that ended a call: free both users' lines, tell every device
 * still involved (the caller's, the callee's in the call, or all the callee's devices while it
 * rang), and store the outcome as a `call` message through the stored lane: a server-only
 * `call.record` entry on the conversation's partition stream, idempotent per call, so it shows
 * in both histories and in sync like any message.
 */
import type { ClientFrameOf } from "@im/protocol";
import { targetOf } from "@im/shared/routing";
import { encodeEnvelope, ENVELOPE_FIELD } from "@im/shared/wire";
import type { Outbox } from "../../outbox.ts";
import { type CallDeps, endedFrame } from "./deps.ts";
import { type CallState, connOf } from "./store.ts";

export async function finishCall(
  d: CallDeps,
  outbox: Outbox,
  call: CallState,
  /** The connection whose frame ended it: it gets the reply instead. */
  causeConnId?: string,
): Promise<void> {
  await Promise.all([
    d.store.releaseLine(call.caller, call.id),
    d.store.releaseLine(call.callee, call.id),
  ]);
  if (call.reason !== "busy") notifyEnded(outbox, call, causeConnId);
  await recordCall(d, call);
}

function notifyEnded(outbox: Outbox, call: CallState, causeConnId?: string) {
  const frame = endedFrame(call);
  const caller = connOf(call.callerConn);
  if (caller && caller.connId !== causeConnId) outbox.toConn(caller, frame);
  const callee = connOf(call.calleeConn);
  if (callee) {
    if (callee.connId !== causeConnId) outbox.toConn(callee, frame);
  } else {
    // It was still ringing: every device of the callee stops.
    outbox.toUsers([call.callee], frame, causeConnId ? { exceptConnId: causeConnId } : {});
  }
}

/** Appends the record entry (again, if a crash left it unwritten: the handler dedups). */
export async function recordCall(d: CallDeps, call: CallState): Promise<void> {
  const frame: ClientFrameOf<"call.record"> = {
    type: "call.record",
    data: {
      conversationId: call.conv,
      callId: call.id,
      media: call.media,
      outcome: call.outcome!,
      reason: call.reason!,
      caller: call.caller,
      callee: call.callee,
      startedAt: call.createdAt,
      ...(call.answeredAt ? { answeredAt: call.answeredAt } : {}),
      endedAt: call.endedAt!,
      durationMs: call.durationMs ?? 0,
    },
  };
  const target = targetOf(frame, call.caller, d.keys, d.config.partitions);
  // No connection made it: the server speaks for the caller, and nobody is answered.
  const env = {
    frame,
    userId: call.caller,
    deviceId: "",
    connId: "",
    gatewayId: "",
    receivedAt: call.endedAt!,
  };
  await d.redis.xadd(target.stream, "*", ENVELOPE_FIELD, encodeEnvelope(env));
  await d.store.markRecorded(call.id);
}
