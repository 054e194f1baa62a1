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
import type { Redis } from "@im/shared/redis";
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

export async function sweepPresence(
  deps: { redis: Redis; keys: Keys; db: Exec; store: PresenceStore },
  outbox: Outbox,
  due: Due[],
  now: number,
): Promise<SweepResult> {
  const items = due.flatMap((d) => {
    const [userId, deviceId, connId] = d.member.split("|");
    return userId && deviceId && connId ? [{ d, userId, deviceId, connId }] : [];
  });
  const pipe = deps.redis.pipeline();
  for (const i of items) pipe.hget(deps.keys.routes(i.userId), i.deviceId);
  const res = items.length ? await pipe.exec() : [];
  const settled: SweepResult["settled"] = due.filter((d) => !items.some((i) => i.d === d));
  const devices: SeenDevice[] = [];
  items.forEach((i, n) => {
    const [gw, conn, exp] = String(res?.[n]?.[1] ?? "").split("|");
    const mine = conn === i.connId;
    const live = mine && Number(exp) >= now;
    // Look again just after the route would lapse, unless a gateway refreshes it first.
    settled.push({ ...i.d, ...(live ? { next: Number(exp) + 1000 } : {}) });
    devices.push({
      userId: i.userId,
      deviceId: i.deviceId,
      conn: live ? `${gw}|${conn}` : null,
      lapsed: mine && !live,
    });
  });
  const changes = await deps.store.reconcile(items.map((i) => i.userId), now);
  await fanOut(deps.db, deps.store, outbox, changes.filter((c) => c.changed), now);
  return { settled, devices };
}
