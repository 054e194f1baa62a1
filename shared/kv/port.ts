/**
 * The key-value port: the few Redis operations the HTTP API needs, none of which needs a TCP
 * connection, so the API can run where only HTTP egress to Redis exists (Upstash, SRH). Streams,
 * blocking reads and leases stay on ioredis in the gateway and the workers.
 *
 * Adapters: `IoredisKv` (TCP), `UpstashKv` (Redis REST), `MemoryKv` (the in-memory twin for unit
 * tests). `conformance_test.ts` runs one suite against all three.
 */
import type { Route } from "../redis/routes.ts";

export type { Route };

export interface LiveGateway {
  gatewayId: string;
  /** Its public WebSocket URL. */
  url: string;
  conns: number;
}

/** Result of taking a slot of a windowed counter (login throttles, registration limits). */
export type SlotVerdict =
  | { taken: true; count: number }
  | { taken: false; retryAfterMs: number };

export interface KvStore {
  /** True while the session (refresh family) is marked revoked. */
  isSessionRevoked(sessionId: string): Promise<boolean>;
  /** Marks the session revoked for `ttlMs` (as long as its access tokens can live). */
  revokeSession(sessionId: string, ttlMs: number): Promise<void>;
  /** True while the user is banned (the admin API sets it beside the MySQL row). */
  isUserBanned(userId: string): Promise<boolean>;
  /** Bans (true) or unbans the user; a ban has no expiry. */
  setUserBanned(userId: string, banned: boolean): Promise<void>;
  /** The user's device routes that have not expired: online means at least one. */
  liveRoutes(userId: string): Promise<Route[]>;
  /** Gateways that have heartbeated at or after `sinceMs`. */
  liveGateways(sinceMs: number): Promise<LiveGateway[]>;
  /**
   * Takes one slot of the counter `key` unless `limit` are taken; the window of `windowMs`
   * starts at the first slot. Atomic: parallel callers can never overshoot the limit.
   */
  takeSlot(key: string, limit: number, windowMs: number): Promise<SlotVerdict>;
  /** Gives one slot back; a missing counter stays missing (it never loses its expiry). */
  returnSlot(key: string): Promise<void>;
  /** Forgets the counter. */
  clearCounter(key: string): Promise<void>;
  /** Asks the gateway holding the connection to close it (a `!close` line on its stream). */
  closeConnection(gatewayId: string, connId: string, code: number, reason: string): Promise<void>;
  /** Resolves when Redis answers (readiness). */
  ping(): Promise<void>;
  /** Releases connections the adapter opened itself. */
  close(): Promise<void>;
}
