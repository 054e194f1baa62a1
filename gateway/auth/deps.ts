import type { Context } from "hono";
import type { Config } from "@im/shared/config";
import type { Db } from "@im/shared/db";
import type { Keys } from "@im/shared/keys";
import type { Logger } from "@im/shared/log";
import type { KvStore } from "@im/shared/kv";
import type { Argon2 } from "./passwords.ts";

/** What the auth routes need from the gateway's composition root. */
export interface AuthDeps {
  db: Db;
  /** Redis as the HTTP API needs it (revocations, routes, counters): TCP or REST. */
  kv: KvStore;
  keys: Keys;
  config: Config;
  jwtSecret: string;
  log: Logger;
  /** The least-loaded live gateway (another than `avoid` if one is live), or null when none is. */
  pickGateway(avoid?: string): Promise<{ gatewayId: string; url: string } | null>;
  /** Closes the sockets of that device's session (logout, refresh-token reuse). */
  onSessionRevoked(userId: string, deviceId: string, sessionId: string): Promise<void>;
  clientIp(c: Context): string;
  /** Closes every socket of a device with `code` (a login past DEVICE_LIMITS: 4110). */
  closeDevice?(userId: string, deviceId: string, code: number, reason: string): Promise<void>;
  /** Runs argon2id (off the event loop in the gateway); hash-wasm's in-thread one when absent. */
  argon2?: Argon2;
}
