/**
 * The in-memory twin of the key-value port, for unit tests that need no Redis. It keeps values
 * in the formats the gateway writes and decodes them with the adapters' codec, and it passes
 * the same conformance suite as the Redis adapters.
 */
import type { Route } from "../redis/routes.ts";
import { closeLine, gatewaysOf, liveRoutesOf } from "./codec.ts";
import type { KvStore, LiveGateway, SlotVerdict } from "./port.ts";

export class MemoryKv implements KvStore {
  readonly #revoked = new Map<string, number>();
  readonly #banned = new Set<string>();
  readonly #routes = new Map<string, Map<string, string>>();
  readonly #gateways = new Map<string, { beatMs: number; info: string }>();
  readonly #counters = new Map<string, { n: number; expiresAt: number }>();
  /** Close lines per gateway stream, oldest first. */
  readonly closeLines = new Map<string, string[]>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Test seeding: what a gateway's RouteStore would have written. */
  putRoute(userId: string, r: Route, expiresAtMs: number): void {
    const hash = this.#routes.get(userId) ?? new Map<string, string>();
    hash.set(r.deviceId, `${r.gatewayId}|${r.connId}|${expiresAtMs}`);
    this.#routes.set(userId, hash);
  }

  /** Test seeding: what a gateway's registry heartbeat would have written. */
  announce(g: LiveGateway, beatMs = this.now()): void {
    this.#gateways.set(g.gatewayId, {
      beatMs,
      info: JSON.stringify({ url: g.url, conns: g.conns }),
    });
  }

  isSessionRevoked(sessionId: string): Promise<boolean> {
    const until = this.#revoked.get(sessionId);
    return Promise.resolve(until !== undefined && until > this.now());
  }

  revokeSession(sessionId: string, ttlMs: number): Promise<void> {
    this.#revoked.set(sessionId, this.now() + ttlMs);
    return Promise.resolve();
  }

  isUserBanned(userId: string): Promise<boolean> {
    return Promise.resolve(this.#banned.has(userId));
  }

  setUserBanned(userId: string, banned: boolean): Promise<void> {
    if (banned) this.#banned.add(userId);
    else this.#banned.delete(userId);
    return Promise.resolve();
  }

  liveRoutes(userId: string): Promise<Route[]> {
    return Promise.resolve(liveRoutesOf([...(this.#routes.get(userId) ?? [])], this.now()));
  }

  liveGateways(sinceMs: number): Promise<LiveGateway[]> {
    const live = [...this.#gateways].filter(([, g]) => g.beatMs >= sinceMs)
      .sort(([a, x], [b, y]) => x.beatMs - y.beatMs || (a < b ? -1 : 1));
    return Promise.resolve(
      gatewaysOf(live.map(([id]) => id), live.map(([id, g]) => [id, g.info])),
    );
  }

  takeSlot(key: string, limit: number, windowMs: number): Promise<SlotVerdict> {
    const c = this.#counter(key);
    if (c && c.n >= limit) {
      return Promise.resolve({ taken: false, retryAfterMs: Math.max(1, c.expiresAt - this.now()) });
    }
    const next = { n: (c?.n ?? 0) + 1, expiresAt: c?.expiresAt ?? this.now() + windowMs };
    this.#counters.set(key, next);
    return Promise.resolve({ taken: true, count: next.n });
  }

  returnSlot(key: string): Promise<void> {
    const c = this.#counter(key);
    if (c && --c.n <= 0) this.#counters.delete(key);
    return Promise.resolve();
  }

  clearCounter(key: string): Promise<void> {
    this.#counters.delete(key);
    return Promise.resolve();
  }

  closeConnection(gatewayId: string, connId: string, code: number, reason: string) {
    const lines = this.closeLines.get(gatewayId) ?? [];
    lines.push(closeLine(connId, code, reason));
    this.closeLines.set(gatewayId, lines);
    return Promise.resolve();
  }

  ping(): Promise<void> {
    return Promise.resolve();
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  #counter(key: string) {
    const c = this.#counters.get(key);
    if (c && c.expiresAt <= this.now()) {
      this.#counters.delete(key);
      return undefined;
    }
    return c;
  }
}
