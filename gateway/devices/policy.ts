/**
 * The multi-device policy (DEVICE_LIMITS): at most N devices of a platform class signed in at
 * once. A login past the limit signs out that class's oldest devices (by last login), in the
 * login's own transaction, and after the commit their access tokens stop working and their
 * sockets close with 4110 (DEVICE_LIMIT).
 */
import type { Kysely, Transaction } from "kysely";
import { CloseCode, type Platform } from "@im/protocol";
import type { Database } from "@im/shared/db";
import type { KvStore } from "@im/shared/kv";
import { markSessionRevoked } from "../auth/tokens.ts";
import { lockUser, revokeDevice, signedInDevices, upsertDevice } from "./tables.ts";

/** DEVICE_LIMITS (`class:n` items) as a map; 0 and unlisted classes are unlimited. */
export function deviceLimitsOf(items: string[]): Map<string, number> {
  return new Map(items.map((i) => {
    const [k, n] = i.split(":");
    return [k, Number(n)] as const;
  }));
}

export interface SignedOut {
  deviceId: string;
  /** The sessions (refresh families) that were live. */
  sessions: string[];
}

export interface Login {
  userId: string;
  deviceId: string;
  platform: Platform;
  name: string;
  now: number;
}

/** Records the login's device and signs out what the limit of its class leaves no room for. */
export async function admitDevice(
  tx: Kysely<Database> | Transaction<Database>,
  login: Login,
  limits: Map<string, number>,
): Promise<SignedOut[]> {
  await lockUser(tx, login.userId); // two logins at once must not both find a free place
  await upsertDevice(tx, login);
  const limit = limits.get(login.platform) ?? 0;
  if (limit === 0) return [];
  const others = (await signedInDevices(tx, login.userId, login.now))
    .filter((d) => d.platform === login.platform && d.deviceId !== login.deviceId)
    .sort((a, b) => a.lastLoginAt - b.lastLoginAt || a.deviceId.localeCompare(b.deviceId));
  const out: SignedOut[] = [];
  for (const d of others.slice(0, Math.max(0, others.length - (limit - 1)))) {
    out.push({
      deviceId: d.deviceId,
      sessions: await revokeDevice(tx, login.userId, d.deviceId, login.now),
    });
  }
  return out;
}

export interface SignOutDeps {
  kv: KvStore;
  accessTtlSec: number;
  closeDevice(userId: string, deviceId: string, code: number, reason: string): Promise<void>;
}

/** After the commit: the devices' access tokens stop authenticating, their sockets close. */
export async function finishSignOut(
  d: SignOutDeps,
  userId: string,
  devices: SignedOut[],
  code: CloseCode,
  reason: string,
): Promise<void> {
  for (const dev of devices) {
    for (const s of dev.sessions) await markSessionRevoked(d.kv, s, d.accessTtlSec);
    await d.closeDevice(userId, dev.deviceId, code, reason);
  }
}

export const DEVICE_LIMIT_REASON = "signed out: a newer login of this kind of device";
export const SIGNED_OUT_REASON = "signed out from another device";
