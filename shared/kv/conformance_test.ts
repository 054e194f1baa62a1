/**
 * One suite, run against every adapter of the key-value port: the in-memory twin, ioredis over
 * TCP, and @upstash/redis over a real Redis REST endpoint on loopback (shared/testing/redis_rest.ts
 * in front of the real Redis). Seeding writes what the gateway writes, through its own writers.
 */
import assert from "node:assert/strict";
import { Keys } from "../keys.ts";
import { createRedis, type Redis } from "../redis/connect.ts";
import { pipeline } from "../redis/pipeline.ts";
import { scanAll, unlinkAll } from "../redis/scan.ts";
import { RouteStore } from "../redis/routes.ts";
import { uniqueName } from "../testing.ts";
import { startRedisRest } from "../testing/redis_rest.ts";
import { decodeResults, encodeResults, RESULT_FIELD } from "../wire/results.ts";
import { IoredisKv } from "./ioredis.ts";
import { MemoryKv } from "./memory.ts";
import type { KvStore, LiveGateway, Route } from "./port.ts";
import { UpstashKv } from "./upstash.ts";

const REDIS_URL = Deno.env.get("REDIS_URL") ?? "redis://127.0.0.1:6379";

export interface Subject {
  kv: KvStore;
  keys: Keys;
  putRoute(userId: string, r: Route, expiresAtMs: number): Promise<void>;
  announce(g: LiveGateway, beatMs: number): Promise<void>;
  closeLines(gatewayId: string): Promise<string[]>;
  done(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const byDevice = (a: Route, b: Route) => a.deviceId < b.deviceId ? -1 : 1;

export function conformance(name: string, factory: () => Promise<Subject>) {
  const test = (title: string, fn: (s: Subject) => Promise<void>) =>
    Deno.test(`kv ${name}: ${title}`, async () => {
      const s = await factory();
      try {
        await fn(s);
      } finally {
        await s.done();
      }
    });

  test("a revoked session stays revoked for its TTL, then the marker is gone", async ({ kv }) => {
    assert.equal(await kv.isSessionRevoked("a".repeat(32)), false);
    await kv.revokeSession("a".repeat(32), 300);
    assert.equal(await kv.isSessionRevoked("a".repeat(32)), true);
    assert.equal(await kv.isSessionRevoked("b".repeat(32)), false);
    await sleep(450);
    assert.equal(await kv.isSessionRevoked("a".repeat(32)), false);
  });

  test("a ban holds until it is lifted, and is the user's alone", async ({ kv }) => {
    assert.equal(await kv.isUserBanned("41"), false);
    await kv.setUserBanned("41", true);
    await kv.setUserBanned("41", true); // banning twice is one ban
    assert.equal(await kv.isUserBanned("41"), true);
    assert.equal(await kv.isUserBanned("42"), false);
    await kv.setUserBanned("41", false);
    assert.equal(await kv.isUserBanned("41"), false);
  });

  test("live routes are the unexpired devices of the user", async (s) => {
    const now = Date.now();
    await s.putRoute("7", { deviceId: "phone", gatewayId: "g1", connId: "c1" }, now + 30_000);
    await s.putRoute("7", { deviceId: "web", gatewayId: "g2", connId: "c2" }, now + 30_000);
    await s.putRoute("7", { deviceId: "old", gatewayId: "g1", connId: "c0" }, now - 1);
    await s.putRoute("8", { deviceId: "phone", gatewayId: "g1", connId: "c3" }, now + 30_000);
    assert.deepEqual((await s.kv.liveRoutes("7")).sort(byDevice), [
      { deviceId: "phone", gatewayId: "g1", connId: "c1" },
      { deviceId: "web", gatewayId: "g2", connId: "c2" },
    ]);
    assert.deepEqual(await s.kv.liveRoutes("9"), []);
  });

  test("live gateways: heartbeats since the cutoff, oldest first", async (s) => {
    const now = Date.now();
    await s.announce({ gatewayId: "g-stale", url: "ws://s/ws", conns: 0 }, now - 20_000);
    await s.announce({ gatewayId: "g-b", url: "ws://b/ws", conns: 3 }, now - 1000);
    await s.announce({ gatewayId: "g-a", url: "ws://a/ws", conns: 10 }, now - 2000);
    assert.deepEqual(await s.kv.liveGateways(now - 15_000), [
      { gatewayId: "g-a", url: "ws://a/ws", conns: 10 },
      { gatewayId: "g-b", url: "ws://b/ws", conns: 3 },
    ]);
    assert.deepEqual(await s.kv.liveGateways(now + 1), []);
  });

  test("counter slots: up to the limit, then refused until the window ends", async ({ kv, keys }) => {
    const key = keys.loginFailures("user", "alice");
    for (let i = 1; i <= 3; i++) {
      assert.deepEqual(await kv.takeSlot(key, 3, 60_000), { taken: true, count: i });
    }
    const v = await kv.takeSlot(key, 3, 60_000);
    assert.ok(!v.taken && v.retryAfterMs > 55_000 && v.retryAfterMs <= 60_000, JSON.stringify(v));
    await kv.returnSlot(key);
    assert.deepEqual(await kv.takeSlot(key, 3, 60_000), { taken: true, count: 3 });
    await kv.clearCounter(key);
    assert.deepEqual(await kv.takeSlot(key, 3, 60_000), { taken: true, count: 1 });
    // Returning to a missing counter leaves it missing: the next window starts fresh.
    const other = keys.loginFailures("ip", "203.0.113.9");
    await kv.returnSlot(other);
    assert.deepEqual(await kv.takeSlot(other, 1, 200), { taken: true, count: 1 });
    assert.equal((await kv.takeSlot(other, 1, 200)).taken, false);
    await sleep(350);
    assert.deepEqual(await kv.takeSlot(other, 1, 200), { taken: true, count: 1 });
  });

  test("counter slots: parallel takers never overshoot the limit", async ({ kv, keys }) => {
    const key = keys.registrations("198.51.100.1");
    const verdicts = await Promise.all(
      Array.from({ length: 20 }, () => kv.takeSlot(key, 5, 60_000)),
    );
    assert.equal(verdicts.filter((v) => v.taken).length, 5);
  });

  test("closing a connection writes the line the gateway's reader parses", async (s) => {
    await s.kv.closeConnection("g1", "conn-1", 4100, "session revoked");
    await s.kv.closeConnection("g1", "conn-2", 4101, "two\nlines");
    const lines = await s.closeLines("g1");
    assert.deepEqual([...decodeResults(encodeResults(lines))], [
      { kind: "close", connId: "conn-1", code: 4100, reason: "session revoked" },
      { kind: "close", connId: "conn-2", code: 4101, reason: "two lines" },
    ]);
    assert.deepEqual(await s.closeLines("g2"), []);
    await s.kv.ping();
  });
}

/** A fresh key prefix on the real Redis; seeding uses the gateway's own writers' formats. */
function redisSubject(redis: Redis, kv: (keys: Keys) => KvStore, cleanup: () => Promise<void>) {
  const keys = new Keys(`${uniqueName("imtest")}:`);
  const subject: Subject = {
    kv: kv(keys),
    keys,
    async putRoute(userId, r, expiresAtMs) {
      const ttl = 30_000;
      await new RouteStore(redis, keys, ttl, () => expiresAtMs - ttl).set(userId, r);
    },
    async announce(g, beatMs) {
      await pipeline(redis).zadd(keys.gatewayRegistry(), beatMs, g.gatewayId)
        .hset(keys.gatewayInfo(), g.gatewayId, JSON.stringify({ url: g.url, conns: g.conns }))
        .exec();
    },
    async closeLines(gatewayId) {
      const entries = await redis.xrange(keys.gateway(gatewayId), "-", "+");
      if (entries.length) {
        // The stream must not outlive a dead gateway: it expires after its last write.
        const ttl = await redis.pttl(keys.gateway(gatewayId));
        assert.ok(ttl > 0 && ttl <= 600_000, `stream ttl ${ttl}`);
      }
      return entries.map(([, fields]) => fields[fields.indexOf(RESULT_FIELD) + 1]);
    },
    async done() {
      await subject.kv.close();
      await unlinkAll(redis, await scanAll(redis, `${keys.prefix}*`));
      redis.disconnect();
      await cleanup();
    },
  };
  return subject;
}

conformance("memory", () => {
  const kv = new MemoryKv();
  return Promise.resolve({
    kv,
    keys: new Keys("t:"),
    putRoute: (userId, r, exp) => Promise.resolve(kv.putRoute(userId, r, exp)),
    announce: (g, beat) => Promise.resolve(kv.announce(g, beat)),
    closeLines: (id) => Promise.resolve(kv.closeLines.get(id) ?? []),
    done: () => Promise.resolve(),
  });
});

conformance("ioredis", () => {
  const redis = createRedis(REDIS_URL, "test");
  const own = createRedis(REDIS_URL, "test-kv");
  return Promise.resolve(
    redisSubject(redis, (keys) => new IoredisKv(own, keys, true), async () => {}),
  );
});

conformance("upstash", async () => {
  const rest = await startRedisRest({ redisUrl: REDIS_URL });
  const redis = createRedis(REDIS_URL, "test");
  return redisSubject(
    redis,
    (keys) => new UpstashKv({ url: rest.url, token: rest.token }, keys),
    () => rest.close(),
  );
});
