/** What a login does for its device: one transaction, then the sign-outs the limit caused. */
import { CloseCode, type Platform } from "@im/protocol";
import type { AuthDeps } from "../auth/deps.ts";
import { issueRefresh } from "../auth/refresh.ts";
import { admitDevice, DEVICE_LIMIT_REASON, deviceLimitsOf, finishSignOut } from "./policy.ts";

/**
 * Records the device, applies DEVICE_LIMITS and issues the session's first refresh token, in one
 * transaction; devices the limit signs out are closed (4110) after the commit.
 */
export async function openDevice(
  deps: AuthDeps,
  userId: string,
  deviceId: string,
  body: { platform?: Platform; deviceName?: string },
) {
  const now = Date.now();
  const done = await deps.db.transaction().execute(async (tx) => {
    const signedOut = await admitDevice(tx, {
      userId,
      deviceId,
      platform: body.platform ?? "other",
      name: body.deviceName ?? "",
      now,
    }, deviceLimitsOf(deps.config.deviceLimits));
    const refresh = await issueRefresh(tx, {
      userId,
      deviceId,
      ttlSec: deps.config.refreshTtlSec,
      now,
    });
    return { refresh, signedOut };
  });
  // Without the gateway's hook (tests of the auth API alone), closed as a revoked session.
  const closeDevice = deps.closeDevice ??
    ((userId: string, deviceId: string) => deps.onSessionRevoked(userId, deviceId, ""));
  await finishSignOut(
    { ...deps, accessTtlSec: deps.config.accessTtlSec, closeDevice },
    userId,
    done.signedOut,
    CloseCode.DEVICE_LIMIT,
    DEVICE_LIMIT_REASON,
  );
  return done;
}
