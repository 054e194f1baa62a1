/**
 * The HTTP-only API end to end: its own process root on port 0, Redis reached only through the
 * REST shim (real Redis behind it; REDIS_URL points nowhere, so any TCP use would fail), real
 * MariaDB, and a real gateway + worker for the WebSocket side it hands clients to.
 */
import assert from "node:assert/strict";
import { MemoryKv } from "@im/shared/kv";
import { createLogger } from "@im/shared/log";
import { ErrorCode } from "@im/protocol";
import { type RedisRest, startRedisRest } from "@im/shared/testing/redis-rest";
import { closeDeviceSockets, type RunningHttpApi, startHttpApi } from "./http_api.ts";
import { type Session, startSystem, type System, TestSocket } from "./test_support.ts";

/** The close code, or "open" if the socket is still open after `ms`. */
const closeCode = (s: TestSocket, ms = 3000) =>
  Promise.race([
    s.closed.then((e) => e.code),
    new Promise<string>((r) => setTimeout(() => r("open"), ms)),
  ]);

interface Fixture {
  sys: System;
  rest: RedisRest;
  api: RunningHttpApi;
  call(path: string, init?: { method?: string; body?: unknown; token?: string }): Promise<Response>;
  signUp(username: string, deviceId?: string): Promise<Session>;
}

async function withHttpOnly(fn: (f: Fixture) => Promise<void>, overrides = {}) {
  const sys = await startSystem(overrides);
  const rest = await startRedisRest({ redisUrl: sys.env.config.redisUrl });
  const api = startHttpApi({
    ...sys.env.config,
    redisUrl: "redis://127.0.0.1:1",
    redisRestUrl: rest.url,
    redisRestToken: rest.token,
  }, createLogger("error"));
  const call: Fixture["call"] = (path, init = {}) =>
    fetch(`http://127.0.0.1:${api.port}${path}`, {
      method: init.method ?? (init.body === undefined ? "GET" : "POST"),
      headers: {
        "content-type": "application/json",
        ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
      },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });
  const login = async (username: string, deviceId = "dev1") => {
    const res = await call("/v1/auth/login", {
      body: { username, password: "correct horse", deviceId },
    });
    assert.equal(res.status, 200, await res.clone().text());
    return await res.json() as Session;
  };
  try {
    await fn({
      sys,
      rest,
      api,
      call,
      async signUp(username, deviceId) {
        const res = await call("/v1/auth/register", {
          body: { username, password: "correct horse" },
        });
        assert.equal(res.status, 201);
        await res.body?.cancel();
        return await login(username, deviceId);
      },
    });
  } finally {
    await api.stop();
    await rest.close();
    await sys.close();
  }
}

Deno.test("http-only: login hands out the live gateway, history and presence over REST-only Redis", async () => {
  await withHttpOnly(async ({ sys, rest, call, signUp }) => {
    const alice = await signUp("alice"), bob = await signUp("bob");
    assert.equal(alice.wsUrl, sys.gateways[0].wsUrl);
    const a = await TestSocket.open(alice.wsUrl, alice.accessToken);
    const b = await TestSocket.open(bob.wsUrl, bob.accessToken);
    const sent = await a.request({
      type: "msg.send",
      id: "s1",
      data: { to: bob.userId, clientMsgId: "s1", kind: "text", body: "over http" },
    }, "msg.sent");
    const conv = sent.data.conversationId;
    const frame = await b.request(
      { type: "history", id: "h", data: { conversationId: conv } },
      "history.page",
    );
    const res = await call(`/v1/conversations/${conv}/messages`, { token: bob.accessToken });
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), frame.data);
    assert.deepEqual(
      await (await call(`/v1/users/${bob.userId}/presence`, { token: alice.accessToken })).json(),
      {
        userId: bob.userId,
        online: true,
        devices: 1,
      },
    );
    // Redis was reached over REST: the throttle's script, the revocation checks, the registry.
    const commands = rest.requests.flatMap((r) => r.commands.map((c) => c[0].toLowerCase()));
    for (const cmd of ["evalsha", "exists", "zrange", "hgetall"]) {
      assert.ok(commands.includes(cmd), cmd);
    }
    assert.equal((await call("/readyz")).status, 200);
    await a.close();
    await b.close();
  });
});

Deno.test("http-only: logout closes the device's socket on the gateway (4100) and revokes the session", async () => {
  await withHttpOnly(async ({ rest, call, signUp }) => {
    const alice = await signUp("alice", "phone");
    const bob = await signUp("bob");
    const a = await TestSocket.open(alice.wsUrl, alice.accessToken);
    const sent = await a.request({
      type: "msg.send",
      id: "s1",
      data: { to: bob.userId, clientMsgId: "s1", kind: "text", body: "bye" },
    }, "msg.sent");
    const out = await call("/v1/auth/logout", { method: "POST", token: alice.accessToken });
    assert.equal(out.status, 204);
    assert.equal(await closeCode(a), 4100);
    // The close travelled as one more REST command: XADD of a !close line to the gateway's stream.
    const xadd = rest.requests.flatMap((r) => r.commands).find((c) =>
      c[0].toLowerCase() === "xadd"
    );
    assert.match(xadd?.at(-1) ?? "", /^!close \S+ 4100 session revoked$/);
    // The revoked session is refused by the HTTP-only API and by the gateway alike.
    for (
      const path of [
        `/v1/conversations/${sent.data.conversationId}/messages`,
        `/v1/users/${bob.userId}`,
      ]
    ) {
      const res = await call(path, { token: alice.accessToken });
      assert.deepEqual([res.status, (await res.json()).error.code], [401, ErrorCode.UNAUTHORIZED]);
    }
    const ws = new WebSocket(alice.wsUrl, ["im.v1", `bearer.${alice.accessToken}`]);
    const upgraded = await new Promise<string>((r) => {
      ws.onopen = () => r("open");
      ws.onerror = () => r("refused");
    });
    assert.equal(upgraded, "refused");
    // Bob's session is untouched.
    const page = await call(`/v1/conversations/${sent.data.conversationId}/messages`, {
      token: bob.accessToken,
    });
    assert.equal((await page.json()).messages.length, 1);
  });
});

Deno.test("http-only: a reused refresh token revokes the session and closes its socket", async () => {
  await withHttpOnly(async ({ call, signUp }) => {
    const alice = await signUp("alice", "tablet");
    const first = await call("/v1/auth/refresh", { body: { refreshToken: alice.refreshToken } });
    assert.equal(first.status, 200);
    const next = await first.json() as Session;
    const a = await TestSocket.open(next.wsUrl, next.accessToken);
    const reuse = await call("/v1/auth/refresh", { body: { refreshToken: alice.refreshToken } });
    assert.deepEqual([reuse.status, (await reuse.json()).error.code], [
      401,
      ErrorCode.REFRESH_INVALID,
    ]);
    assert.equal(await closeCode(a), 4100);
    const res = await call(`/v1/users/${alice.userId}`, { token: next.accessToken });
    assert.equal(res.status, 401);
    await res.body?.cancel();
  });
});

Deno.test("http-only: login throttling counts over REST, and no live gateway is a 503", async () => {
  await withHttpOnly(async ({ sys, call, signUp }) => {
    await signUp("alice");
    const wrong = () =>
      call("/v1/auth/login", { body: { username: "alice", password: "wrong password" } });
    for (let i = 0; i < 2; i++) {
      const r = await wrong();
      assert.equal(r.status, 401);
      await r.body?.cancel();
    }
    const blocked = await wrong();
    assert.equal(blocked.status, 429);
    assert.ok(Number(blocked.headers.get("retry-after")) >= 1);
    await blocked.body?.cancel();
    // With the only gateway gone from the registry, login has nowhere to send the client.
    await sys.gateways[0].stop();
    const reg = await call("/v1/auth/register", {
      body: { username: "bob", password: "correct horse" },
    });
    assert.equal(reg.status, 201);
    await reg.body?.cancel();
    const res = await call("/v1/auth/login", {
      body: { username: "bob", password: "correct horse" },
    });
    assert.deepEqual([res.status, (await res.json()).error.code], [503, ErrorCode.UNAVAILABLE]);
  }, { loginMaxFailures: 2 });
});

Deno.test("closeDeviceSockets: only that device's live connections, on each gateway holding one", async () => {
  const kv = new MemoryKv();
  const soon = Date.now() + 30_000;
  kv.putRoute("7", { deviceId: "phone", gatewayId: "g1", connId: "c1" }, soon);
  kv.putRoute("7", { deviceId: "web", gatewayId: "g2", connId: "c2" }, soon);
  kv.putRoute("8", { deviceId: "phone", gatewayId: "g2", connId: "c3" }, soon);
  await closeDeviceSockets(kv, "7", "phone", 4100, "session revoked");
  assert.deepEqual(Object.fromEntries(kv.closeLines), { g1: ["!close c1 4100 session revoked"] });
});
