/**
 * The call timers, run from the shared due schedule (../realtime/due.ts) so they survive worker
 * restarts: `ring` ends an unanswered call as missed (timeout); `drop` ends a call whose device
 * did not come back within CALL_DROP_GRACE_SEC (or moves the call to its new connection);
 * `limit` ends an answered call after CALL_MAX_SEC; `record` writes a record a crash left out.
 * Each is idempotent: the call's scripts refuse a second end.
 */
import type { Outbox } from "../../outbox.ts";
import type { Due } from "../realtime/due.ts";
import {
  type CallDeps,
  ENDED_KEEP_MS,
  parseTimer,
  RECORD_CHECK_MS,
  schedule,
  type Timer,
} from "./deps.ts";
import { finishCall, recordCall } from "./finish.ts";
import { connKey } from "./store.ts";

export async function runCallTimers(d: CallDeps, outbox: Outbox, due: Due[], now: number) {
  for (const item of due) {
    const t = parseTimer(item.member);
    if (t) await runOne(d, outbox, t, now);
  }
}

async function runOne(d: CallDeps, outbox: Outbox, t: Timer, now: number): Promise<void> {
  const server = { user: t.userId, dev: t.deviceId };
  switch (t.kind) {
    case "ring":
    case "limit": {
      await schedule(d, [[{ ...t, kind: "record" }, now + RECORD_CHECK_MS]]);
      const r = await d.store.end(
        t.callId,
        t.kind === "ring" ? "timeout" : "limit",
        server,
        now,
        ENDED_KEEP_MS,
      );
      if (r.ok) await finishCall(d, outbox, r.call);
      return;
    }
    case "drop": {
      const route = (await d.routes.lookup([t.userId])).get(t.userId)?.find((r) =>
        r.deviceId === t.deviceId
      );
      if (route) {
        await d.store.rebind(t.callId, t.userId, t.deviceId, connKey(route));
        return;
      }
      await schedule(d, [[{ ...t, kind: "record" }, now + RECORD_CHECK_MS]]);
      const r = await d.store.end(t.callId, "dropped", server, now, ENDED_KEEP_MS);
      if (r.ok) await finishCall(d, outbox, r.call);
      return;
    }
    case "record": {
      const c = await d.store.get(t.callId);
      if (c?.state === "ended" && !c.recorded) await recordCall(d, c);
      return;
    }
  }
}

/**
 * A device of a user in a call went away (`live` false) or is here on a connection (`conn`).
 * Called by the presence sweep for every connection it looks at.
 */
export async function callDevicesSeen(
  d: CallDeps,
  seen: Array<{ userId: string; deviceId: string; conn: string | null; lapsed: boolean }>,
  now: number,
): Promise<void> {
  const lines = await d.store.lines(seen.map((s) => s.userId));
  if (lines.size === 0) return;
  const calls = await d.store.getMany([...lines.values()]);
  const drops: Array<[Timer, number]> = [];
  for (const s of seen) {
    const callId = lines.get(s.userId);
    const c = callId ? calls.get(callId) : undefined;
    if (!c || c.state === "ended") continue;
    const bound = (s.userId === c.caller && s.deviceId === c.callerDev) ||
      (s.userId === c.callee && s.deviceId === c.calleeDev);
    if (!bound) continue;
    if (s.conn) await d.store.rebind(c.id, s.userId, s.deviceId, s.conn);
    else {
      // A dead gateway's route lapsed: the device has been gone for ROUTE_TTL_SEC already.
      const at = s.lapsed ? now : now + d.config.callDropGraceSec * 1000;
      drops.push([{ kind: "drop", callId: c.id, userId: s.userId, deviceId: s.deviceId }, at]);
    }
  }
  await schedule(d, drops);
}
