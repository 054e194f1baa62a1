/**
 * The presence sweep: looks at the connections the due schedule names (`<user>|<device>|<conn>`,
 * scheduled by gateways at each connect and disconnect, and at each route's expiry), brings
 * their users' presence in line with their routes, and pushes the changes. A connection still
 * live is looked at again when its route would expire; one that is gone is forgotten. So a
 * gateway that dies leaves nobody online longer than ROUTE_TTL_SEC (plus one sweep tick), and
 * a storm of reconnects costs pipelined round trips, not one per connection.
 */
import type { Exec } from "@im/shared/db";
import type { Keys } from "@im/shared/keys";
import { pipeline, type Redis } from "@im/shared/redis";
import type { Outbox } from "../../outbox.ts";
import type { Due } from "../realtime/due.ts";
import { fanOut } from "./fanout.ts";
import type { PresenceStore } from "./store.ts";

export interface SeenDevice {
  userId: string;
  deviceId: string;
  /** "<gatewayId>|<connId>" while the connection is live, else null. */
  conn: string | null;
  /** Gone because its route lapsed (a dead gateway), not by a disconnect. */
  lapsed: boolean;
}

export interface SweepResult {
  /** Each due member: when to look again (undefined: forget it). */
  settled: Array<Due & { next?: number }>;
  devices: SeenDevice[];
}

export const presenceMember = (userId: string, deviceId: string, connId: string) =>
  `${userId}|${deviceId}|${connId}`;

/**
 * A live connection is looked at again just after its route would lapse. Gateways schedule
 * whole milliseconds; this quarter marks the look as a lapse check, so its member's score still
 * says when the route was last refreshed after the route itself is gone.
 */
const LAPSE_CHECK_AFTER_MS = 1.25;

export async function sweepPresence(
  deps: { redis: Redis; keys: Keys; db: Exec; store: PresenceStore; routeTtlMs: number },
  outbox: Outbox,
  due: Due[],
  now: number,
): Promise<SweepResult> {
  const items = due.flatMap((d) => {
    const [userId, deviceId, connId] = d.member.split("|");
    return userId && deviceId && connId ? [{ d, userId, deviceId, connId }] : [];
  });
  const pipe = pipeline(deps.redis);
  for (const i of items) pipe.hget(deps.keys.routes(i.userId), i.deviceId);
  const res = items.length ? await pipe.exec() : [];
  const settled: SweepResult["settled"] = due.filter((d) => !items.some((i) => i.d === d));
  const devices: SeenDevice[] = [];
  const seen = new Map<string, number>();
  const look = new Set<string>();
  items.forEach((i, n) => {
    const [gw, conn, exp] = String(res?.[n]?.[1] ?? "").split("|");
    const mine = conn === i.connId;
    const live = mine && Number(exp) >= now;
    const lapseCheck = i.d.score % 1 !== 0;
    // A lapse check that finds the route refreshed changed nothing: no need to reconcile.
    if (!(live && lapseCheck)) look.add(i.userId);
    if (live) settled.push({ ...i.d, next: Number(exp) + LAPSE_CHECK_AFTER_MS });
    else {
      settled.push(i.d);
      // Gone since its disconnect (the event's time), or since its route's last refresh.
      const at = lapseCheck
        ? Math.floor(i.d.score - LAPSE_CHECK_AFTER_MS) - deps.routeTtlMs
        : i.d.score;
      seen.set(i.userId, Math.max(seen.get(i.userId) ?? 0, at));
    }
    devices.push({
      userId: i.userId,
      deviceId: i.deviceId,
      conn: live ? `${gw}|${conn}` : null,
      lapsed: !live && (lapseCheck || mine),
    });
  });
  const changes = await deps.store.reconcile([...look], now, seen);
  await fanOut(deps.db, deps.store, outbox, changes.filter((c) => c.changed), now);
  return { settled, devices };
}
