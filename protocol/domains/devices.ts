/**
 * Devices are managed over HTTP (they are sessions: tokens live with the gateway's auth API):
 * `GET /v1/devices`, `DELETE /v1/devices/:deviceId`; a login names its platform class, and the
 * server's DEVICE_LIMITS keeps at most N devices of a class signed in (the oldest one makes room,
 * closed with 4110).
 */

/** Platform classes a login may name; `other` when it names none. */
export const PLATFORMS = ["phone", "tablet", "desktop", "web", "bot", "other"] as const;
export type Platform = typeof PLATFORMS[number];

export interface DeviceView {
  deviceId: string;
  platform: Platform;
  /** The name the device gave at login ("" when none). */
  name: string;
  /** First login of this device (epoch ms). */
  createdAt: number;
  /** Last login, token refresh, connect or disconnect (epoch ms). */
  lastSeenAt: number;
  /** Connected to a gateway right now. */
  online: boolean;
  /** The device this request came from. */
  current: boolean;
}
