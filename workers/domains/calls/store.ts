/**
 * A call's state in Redis: one hash per call (`{call:<id>}`), moved by one Lua script per
 * transition so two devices answering at once, or a hang-up racing the ring timeout, resolve to
 * exactly one outcome. A user's busy line (`{u<id>}:call`) is its own key in the user's slot,
 * claimed with SET-if-free; the call's scripts never touch it (one slot per script).
 *
 *   ringing --accept--> active --hangup/dropped/limit--> ended (finished, with duration)
 *   ringing --reject--> ended (rejected)      ringing --cancel/timeout/dropped--> ended (missed)
 *   ringing --busy--> ended (busy)            anything else: refused, state unchanged
 */
import type { CallEndReason, CallMedia, CallOutcome } from "@im/protocol";
import type { Keys } from "@im/shared/keys";
import { pipeline, type Redis } from "@im/shared/redis";

export type CallStateName = "ringing" | "active" | "ended";

export interface CallState {
  id: string;
  conv: string;
  media: CallMedia;
  caller: string;
  callerDev: string;
  /** "<gatewayId>|<connId>" of the caller's device. */
  callerConn: string;
  callee: string;
  calleeDev?: string;
  calleeConn?: string;
  state: CallStateName;
  createdAt: number;
  answeredAt?: number;
  endedAt?: number;
  outcome?: CallOutcome;
  reason?: CallEndReason;
  endedBy?: string;
  durationMs?: number;
  recorded?: boolean;
}

/** Why a transition was refused: no such call (or not yours), already over, or not now. */
export type Refusal = "nf" | "ended" | "state" | "elsewhere";

// KEYS[1] call. ARGV: id, conv, media, caller, callerDev, callerConn, callee, now, ttl ms.
// Returns 'ok', or 'taken' when the id names a call already.
const CREATE = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 'taken' end
redis.call('HSET', KEYS[1], 'id', ARGV[1], 'conv', ARGV[2], 'media', ARGV[3], 'caller', ARGV[4],
  'callerDev', ARGV[5], 'callerConn', ARGV[6], 'callee', ARGV[7], 'state', 'ringing',
  'createdAt', ARGV[8])
redis.call('PEXPIRE', KEYS[1], ARGV[9])
return 'ok'`;

// KEYS[1] call. ARGV: user, device, "<gw>|<conn>", now, ttl ms.
// Returns {'ok', fields...}, {'again', fields...} (this device answered already), or {refusal}.
const ACCEPT = `
local s = redis.call('HMGET', KEYS[1], 'state', 'caller', 'callee', 'calleeDev')
if not s[1] then return {'nf'} end
if ARGV[1] ~= s[3] then
  if ARGV[1] == s[2] then return {'state'} end
  return {'nf'}
end
if s[1] == 'ended' then return {'ended'} end
if s[1] == 'active' then
  if s[4] == ARGV[2] then return {'again', unpack(redis.call('HGETALL', KEYS[1]))} end
  return {'elsewhere'}
end
redis.call('HSET', KEYS[1], 'state', 'active', 'calleeDev', ARGV[2], 'calleeConn', ARGV[3],
  'answeredAt', ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return {'ok', unpack(redis.call('HGETALL', KEYS[1]))}`;

// KEYS[1] call. ARGV: action, user, device, now, keep ms (how long the ended call stays).
// Actions by a user (reject, cancel, hangup) need a party; server actions (timeout, busy, drop,
// limit) do not. Returns {'ok', fields...} for the one transition that ends it, or {refusal}.
const END = `
local s = redis.call('HMGET', KEYS[1], 'state', 'caller', 'callerDev', 'callee', 'calleeDev',
  'answeredAt')
if not s[1] then return {'nf'} end
local act, user, dev, now = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4])
local state, caller, callerDev, callee, calleeDev = s[1], s[2], s[3], s[4], s[5]
local byUser = act == 'rejected' or act == 'cancelled' or act == 'hangup'
if byUser and user ~= caller and user ~= callee then return {'nf'} end
if state == 'ended' then return {'ended'} end
local ok, outcome = false, 'missed'
if act == 'rejected' then ok = state == 'ringing' and user == callee; outcome = 'rejected'
elseif act == 'cancelled' then ok = state == 'ringing' and user == caller and dev == callerDev
elseif act == 'hangup' then
  ok = state == 'active' and ((user == caller and dev == callerDev) or (user == callee and dev == calleeDev))
  outcome = 'finished'
elseif act == 'timeout' then ok = state == 'ringing'
elseif act == 'busy' then ok = state == 'ringing'; outcome = 'busy'
elseif act == 'limit' then ok = state == 'active'; outcome = 'finished'
elseif act == 'dropped' then
  ok = (user == caller and dev == callerDev) or (state == 'active' and user == callee and dev == calleeDev)
  if state == 'active' then outcome = 'finished' end
end
if not ok then return {'state'} end
local duration = 0
if state == 'active' then duration = math.max(0, now - tonumber(s[6])) end
redis.call('HSET', KEYS[1], 'state', 'ended', 'outcome', outcome, 'reason', act, 'endedBy', user,
  'endedAt', now, 'durationMs', duration)
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return {'ok', unpack(redis.call('HGETALL', KEYS[1]))}`;

// KEYS[1] call. ARGV: user, device, "<gw>|<conn>". A party's device that reconnected: its new
// connection gets the call's frames. Returns 1 when it moved, else 0.
const REBIND = `
local s = redis.call('HMGET', KEYS[1], 'state', 'caller', 'callerDev', 'callee', 'calleeDev')
if not s[1] or s[1] == 'ended' then return 0 end
if ARGV[1] == s[2] and ARGV[2] == s[3] then redis.call('HSET', KEYS[1], 'callerConn', ARGV[3]) return 1 end
if s[1] == 'active' and ARGV[1] == s[4] and ARGV[2] == s[5] then
  redis.call('HSET', KEYS[1], 'calleeConn', ARGV[3]) return 1
end
return 0`;

// KEYS[1] line. ARGV: callId, ttl ms. Returns 'ok', or the id of the call holding the line.
const CLAIM_LINE = `
local cur = redis.call('GET', KEYS[1])
if cur and cur ~= ARGV[1] then return cur end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 'ok'`;

// KEYS[1] line. ARGV: callId, ttl ms (empty: release). Acts only while the line is this call's.
const IF_LINE = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
if ARGV[2] == '' then redis.call('DEL', KEYS[1]) else redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 1`;

const NUMBERS = new Set(["createdAt", "answeredAt", "endedAt", "durationMs"]);

export function toCallState(flat: string[]): CallState {
  const o: Record<string, unknown> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) {
    const k = flat[i];
    o[k] = NUMBERS.has(k)
      ? Number(flat[i + 1])
      : k === "recorded"
      ? flat[i + 1] === "1"
      : flat[i + 1];
  }
  return o as unknown as CallState;
}

type Result = { ok: true; call: CallState; again?: boolean } | { ok: false; refusal: Refusal };

function result(raw: unknown): Result {
  const [head, ...rest] = raw as string[];
  if (head === "ok" || head === "again") {
    return { ok: true, call: toCallState(rest), ...(head === "again" ? { again: true } : {}) };
  }
  return { ok: false, refusal: head as Refusal };
}

export class CallStore {
  constructor(private readonly redis: Redis, private readonly keys: Keys) {}

  async create(c: {
    id: string;
    conv: string;
    media: CallMedia;
    caller: string;
    callerDev: string;
    callerConn: string;
    callee: string;
    now: number;
    ttlMs: number;
  }): Promise<boolean> {
    const r = await this.redis.eval(
      CREATE,
      1,
      this.keys.call(c.id),
      c.id,
      c.conv,
      c.media,
      c.caller,
      c.callerDev,
      c.callerConn,
      c.callee,
      c.now,
      c.ttlMs,
    );
    return r === "ok";
  }

  async accept(
    callId: string,
    user: string,
    dev: string,
    conn: string,
    now: number,
    ttlMs: number,
  ) {
    return result(
      await this.redis.eval(ACCEPT, 1, this.keys.call(callId), user, dev, conn, now, ttlMs),
    );
  }

  async end(
    callId: string,
    reason: CallEndReason,
    by: { user: string; dev: string },
    now: number,
    keepMs: number,
  ) {
    return result(
      await this.redis.eval(END, 1, this.keys.call(callId), reason, by.user, by.dev, now, keepMs),
    );
  }

  async rebind(callId: string, user: string, dev: string, conn: string): Promise<boolean> {
    return Number(await this.redis.eval(REBIND, 1, this.keys.call(callId), user, dev, conn)) === 1;
  }

  async get(callId: string): Promise<CallState | null> {
    const flat = await this.redis.hgetall(this.keys.call(callId));
    return Object.keys(flat).length ? toCallState(Object.entries(flat).flat()) : null;
  }

  /** Many calls in one round trip (signals of a batch). */
  async getMany(callIds: string[]): Promise<Map<string, CallState>> {
    const out = new Map<string, CallState>();
    const ids = [...new Set(callIds)];
    if (ids.length === 0) return out;
    const pipe = pipeline(this.redis);
    for (const id of ids) pipe.hgetall(this.keys.call(id));
    const res = await pipe.exec();
    ids.forEach((id, i) => {
      const [err, flat] = res![i] as [Error | null, Record<string, string>];
      if (err) throw err;
      if (flat && Object.keys(flat).length) out.set(id, toCallState(Object.entries(flat).flat()));
    });
    return out;
  }

  async markRecorded(callId: string): Promise<void> {
    await this.redis.hset(this.keys.call(callId), "recorded", "1");
  }

  /** 'ok', or the id of the call that holds the user's line. */
  async claimLine(userId: string, callId: string, ttlMs: number): Promise<string> {
    return String(await this.redis.eval(CLAIM_LINE, 1, this.keys.callLine(userId), callId, ttlMs));
  }

  async extendLine(userId: string, callId: string, ttlMs: number): Promise<void> {
    await this.redis.eval(IF_LINE, 1, this.keys.callLine(userId), callId, ttlMs);
  }

  async releaseLine(userId: string, callId: string): Promise<void> {
    await this.redis.eval(IF_LINE, 1, this.keys.callLine(userId), callId, "");
  }

  /** The calls these users' lines name (absent: not in a call). */
  async lines(userIds: string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    const ids = [...new Set(userIds)];
    if (ids.length === 0) return out;
    // One GET each, pipelined: the lines live in their users' slots (no cross-slot MGET).
    const pipe = pipeline(this.redis);
    for (const u of ids) pipe.get(this.keys.callLine(u));
    const res = await pipe.exec();
    ids.forEach((u, i) => {
      const v = res?.[i]?.[1] as string | null;
      if (v) out.set(u, v);
    });
    return out;
  }
}

/** "<gatewayId>|<connId>" and back. */
export const connKey = (t: { gatewayId: string; connId: string }) => `${t.gatewayId}|${t.connId}`;
export function connOf(key: string | undefined): { gatewayId: string; connId: string } | null {
  if (!key) return null;
  const i = key.indexOf("|");
  return i > 0 ? { gatewayId: key.slice(0, i), connId: key.slice(i + 1) } : null;
}
