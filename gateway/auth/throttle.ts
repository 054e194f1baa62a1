/**
 * Login brute-force throttle: attempts counted per username and per client IP in fixed windows.
 *
 * An attempt is counted *before* the password is verified. Counting only after a failure would
 * let a burst of parallel guesses all pass the check before the first failure is recorded; with
 * argon2 taking ~80 ms, that burst is the whole attack. A successful login clears the username
 * counter and hands its IP slot back, so only failures accumulate. Counters sit behind the KV
 * port (one Lua script per step, shared/kv/scripts.ts), over TCP or the REST API alike.
 */
import type { Config } from "@im/shared/config";
import type { Keys } from "@im/shared/keys";
import type { KvStore } from "@im/shared/kv";

export type ThrottleConfig = Pick<
  Config,
  "loginWindowSec" | "loginMaxFailures" | "loginMaxFailuresPerIp" | "registerMaxPerIp"
>;

export interface ThrottleVerdict {
  blocked: boolean;
  /** Seconds until the blocking window ends; 0 when not blocked. */
  retryAfterSec: number;
}

export class LoginThrottle {
  constructor(
    private readonly kv: KvStore,
    private readonly keys: Keys,
    private readonly config: ThrottleConfig,
  ) {}

  /** Counts one login attempt for `username` and `ip`, or reports that either is blocked. */
  async attempt(username: string, ip: string): Promise<ThrottleVerdict> {
    const ipKey = this.keys.loginFailures("ip", ipBucket(ip));
    const ipVerdict = await this.reserve(ipKey, this.config.loginMaxFailuresPerIp);
    if (ipVerdict.blocked) return ipVerdict;
    const userKey = this.keys.loginFailures("user", username);
    const userVerdict = await this.reserve(userKey, this.config.loginMaxFailures);
    // A locked account should not also use up the caller's per-IP budget.
    if (userVerdict.blocked) await this.release(ipKey);
    return userVerdict;
  }

  /** Counts one registration from `ip` (each costs an argon2 hash), or reports it is blocked. */
  registration(ip: string): Promise<ThrottleVerdict> {
    return this.reserve(this.keys.registrations(ipBucket(ip)), this.config.registerMaxPerIp);
  }

  /** After a correct password: the account's failures are forgiven, the IP's slot returned. */
  async succeed(username: string, ip: string): Promise<void> {
    // The IP counter is not cleared: one valid account must not reset an IP's guessing budget.
    await Promise.all([
      this.kv.clearCounter(this.keys.loginFailures("user", username)),
      this.release(this.keys.loginFailures("ip", ipBucket(ip))),
    ]);
  }

  private async reserve(key: string, limit: number): Promise<ThrottleVerdict> {
    const v = await this.kv.takeSlot(key, limit, this.config.loginWindowSec * 1000);
    return v.taken
      ? { blocked: false, retryAfterSec: 0 }
      : { blocked: true, retryAfterSec: Math.max(1, Math.ceil(v.retryAfterMs / 1000)) };
  }

  private async release(key: string): Promise<void> {
    await this.kv.returnSlot(key);
  }
}

/**
 * The unit an IP limit applies to: an IPv4 address, or the /64 of an IPv6 address, since one
 * IPv6 client usually owns a whole /64 and could otherwise rotate through it.
 */
export function ipBucket(ip: string): string {
  const v4mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(ip);
  if (v4mapped) return v4mapped[1];
  if (!ip.includes(":")) return ip;
  const bare = ip.split("%")[0].toLowerCase();
  const [head, tail] = bare.split("::");
  const left = head ? head.split(":") : [];
  const right = tail !== undefined && tail !== "" ? tail.split(":") : [];
  const fill = tail === undefined ? [] : Array(Math.max(0, 8 - left.length - right.length)).fill(
    "0",
  );
  const groups = [...left, ...fill, ...right];
  if (groups.length !== 8 || !groups.every((g) => /^[0-9a-f]{1,4}$/.test(g))) return bare;
  return `${groups.slice(0, 4).map((g) => g.replace(/^0+(?=.)/, "")).join(":")}::/64`;
}
