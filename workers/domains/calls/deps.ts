/**
 * What call handlers and the call timers share: the call store, the timer schedule, the ICE
 * servers, and the frames every transition sends (one place builds them). Built from an
 * ephemeral context or from the worker's realtime loop.
 */
import type { CallEndReason, EndedCall, ServerFrame } from "@im/protocol";
import { ErrorCode } from "@im/protocol";
import type { Config } from "@im/shared/config";
import type { Exec } from "@im/shared/db";
import { PermanentError } from "@im/shared/errors";
import type { Keys } from "@im/shared/keys";
import { pipeline, type Redis, type RouteStore } from "@im/shared/redis";
import { shardOf } from "../realtime/due.ts";
import { IceServers } from "./ice.ts";
import { type CallState, CallStore, type Refusal } from "./store.ts";

export interface CallDeps {
  redis: Redis;
  keys: Keys;
  routes: RouteStore;
  db: Exec;
  config: Config;
  store: CallStore;
  ice: IceServers;
}

/** How long an ended call stays readable (late frames get CALL_ENDED, not NOT_FOUND). */
export const ENDED_KEEP_MS = 3600_000;
/** A missing call record is written again this long after the end was attempted. */
export const RECORD_CHECK_MS = 15_000;

const iceCache = new WeakMap<Config, IceServers>();

export function callDeps(d: Omit<CallDeps, "store" | "ice">): CallDeps {
  let ice = iceCache.get(d.config);
  if (!ice) {
    ice = new IceServers(d.config.iceServers, d.config.turnSecret, d.config.turnTtlSec);
    iceCache.set(d.config, ice);
  }
  const { redis, keys, routes, db, config } = d;
  return { redis, keys, routes, db, config, store: new CallStore(redis, keys), ice };
}

export type TimerKind = "ring" | "drop" | "limit" | "record";

export interface Timer {
  kind: TimerKind;
  callId: string;
  userId: string;
  deviceId: string;
}

export const timerMember = (t: Timer) => `${t.kind}|${t.callId}|${t.userId}|${t.deviceId}`;

export function parseTimer(member: string): Timer | null {
  const [kind, callId, userId = "", deviceId = ""] = member.split("|");
  if (!["ring", "drop", "limit", "record"].includes(kind) || !callId) return null;
  return { kind: kind as TimerKind, callId, userId, deviceId };
}

export async function schedule(d: CallDeps, timers: Array<[Timer, number]>): Promise<void> {
  if (timers.length === 0) return;
  const pipe = pipeline(d.redis);
  for (const [t, at] of timers) pipe.zadd(d.keys.callDue(shardOf(t.callId)), at, timerMember(t));
  await pipe.exec();
}

const REFUSALS: Record<Refusal, () => PermanentError> = {
  nf: () => new PermanentError(ErrorCode.NOT_FOUND, "no such call"),
  ended: () => new PermanentError(ErrorCode.CALL_ENDED, "the call has ended"),
  state: () =>
    new PermanentError(
      ErrorCode.CALL_STATE,
      "not possible in this state of the call (or the call is on another of your devices)",
    ),
  elsewhere: () =>
    new PermanentError(
      ErrorCode.CALL_ANSWERED_ELSEWHERE,
      "the call was answered on another device",
    ),
};

export const refused = (r: Refusal) => REFUSALS[r]();

/** Reasons a user causes: the frame names who ended it. */
const BY_USER = new Set<CallEndReason>(["rejected", "cancelled", "hangup"]);

export function endedFrame(c: CallState): ServerFrame & { type: "call.ended" } {
  const data: EndedCall = {
    callId: c.id,
    conversationId: c.conv,
    reason: c.reason!,
    durationMs: c.durationMs ?? 0,
  };
  if (BY_USER.has(c.reason!) && c.endedBy) data.by = c.endedBy;
  return { type: "call.ended", data };
}
