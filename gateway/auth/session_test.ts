import assert from "node:assert/strict";
import { ErrorCode } from "@im/protocol";
import { authenticate } from "./http.ts";
import { registerUser, type SessionBody, type TestApp, withApp } from "./test_app.ts";

const PASSWORD = "pa55word-Secret!";

async function login(t: TestApp, username: string, password = PASSWORD, deviceId?: string) {
  const res = await t.post("/v1/auth/login", { username, password, deviceId });
  assert.equal(res.status, 200);
  return await res.json() as SessionBody;
}

async function timed(fn: () => Promise<Response>): Promise<[number, string, number]> {
  const start = performance.now();
  const res = await fn();
  return [res.status, await res.text(), performance.now() - start];
}

/** Tokens and passwords are secrets: none may appear in any log line. */
function assertLogsClean(t: TestApp, secrets: string[]) {
  for (const line of t.logs) for (const s of secrets) assert.ok(!line.includes(s), line);
}

Deno.test("login: tokens, expiry, gateway and device; the access token authenticates", async () => {
  await withApp({}, async (t) => {
    const alice = await registerUser(t, "alice", PASSWORD);
    const res = await t.post("/v1/auth/login", {
      username: "alice",
      password: PASSWORD,
      deviceId: "phone-1",
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("cache-control"), "no-store");
    const s = await res.json() as SessionBody;
    assert.deepEqual(Object.keys(s).sort(), [
      "accessExpiresIn",
      "accessToken",
      "deviceId",
      "gatewayId",
      "refreshExpiresIn",
      "refreshToken",
      "userId",
      "username",
      "wsUrl",
    ]);
    assert.equal(s.userId, alice.userId);
    assert.equal(s.deviceId, "phone-1");
    assert.equal(s.accessExpiresIn, t.env.config.accessTtlSec);
    assert.equal(s.refreshExpiresIn, t.env.config.refreshTtlSec);
    assert.deepEqual([s.gatewayId, s.wsUrl], ["gw-test", "ws://127.0.0.1:9999/ws"]);
    assert.match(s.refreshToken, /^[0-9a-f]{32}\.[A-Za-z0-9_-]{43}$/);
    const claims = await authenticate(t.deps, s.accessToken);
    assert.equal(claims?.userId, alice.userId);
    assert.equal(claims?.deviceId, "phone-1");
    // Without a deviceId one is made up.
    assert.match((await login(t, "alice")).deviceId, /^[A-Za-z0-9_-]{1,64}$/);
    assertLogsClean(t, [PASSWORD, s.accessToken, s.refreshToken.split(".")[1]]);
  });
});

Deno.test("login: wrong password and unknown user answer identically, in similar time", async () => {
  await withApp({}, async (t) => {
    await registerUser(t, "bob", PASSWORD);
    const wrong = await timed(() =>
      t.post("/v1/auth/login", { username: "bob", password: "nope" })
    );
    const unknown = await timed(() =>
      t.post("/v1/auth/login", { username: "nobody", password: "nope" })
    );
    const malformed = await timed(() =>
      t.post("/v1/auth/login", { username: "No Body!", password: "nope" })
    );
    assert.equal(wrong[0], 401);
    assert.deepEqual(JSON.parse(wrong[1]), {
      error: { code: ErrorCode.INVALID_CREDENTIALS, message: "invalid username or password" },
    });
    for (const other of [unknown, malformed]) {
      assert.deepEqual(other.slice(0, 2), wrong.slice(0, 2));
      // Without the dummy verify an unknown name answers in ~1 ms instead of ~80.
      assert.ok(other[2] > wrong[2] / 3, `${other[2]} ms vs ${wrong[2]} ms`);
    }
    assert.ok(t.logs.some((l) => l.includes("login failed") && l.includes("nobody")));
    assertLogsClean(t, [PASSWORD, "nope"]);
  });
});

Deno.test("login: after N failures 429 with Retry-After, even with the right password", async () => {
  await withApp({ loginMaxFailures: 3, loginWindowSec: 120 }, async (t) => {
    await registerUser(t, "carol", PASSWORD);
    for (let i = 0; i < 3; i++) {
      const res = await t.post("/v1/auth/login", { username: "carol", password: `wrong-${i}` });
      assert.equal(res.status, 401);
      await res.body?.cancel();
    }
    for (const password of ["wrong-again", PASSWORD]) {
      const res = await t.post("/v1/auth/login", { username: "carol", password });
      assert.equal(res.status, 429);
      const retryAfter = Number(res.headers.get("retry-after"));
      assert.ok(retryAfter >= 1 && retryAfter <= 120, String(retryAfter));
      assert.equal((await res.json()).error.code, ErrorCode.TOO_MANY_ATTEMPTS);
    }
  });
});

Deno.test("refresh: rotates both tokens within the same session and device", async () => {
  await withApp({}, async (t) => {
    await registerUser(t, "dave", PASSWORD);
    const s1 = await login(t, "dave", PASSWORD, "laptop");
    const res = await t.post("/v1/auth/refresh", { refreshToken: s1.refreshToken });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("cache-control"), "no-store");
    const s2 = await res.json() as SessionBody;
    assert.deepEqual([s2.userId, s2.username, s2.deviceId], [s1.userId, "dave", "laptop"]);
    assert.notEqual(s2.refreshToken, s1.refreshToken);
    assert.notEqual(s2.accessToken, s1.accessToken);
    const [c1, c2] = [
      await authenticate(t.deps, s1.accessToken),
      await authenticate(t.deps, s2.accessToken),
    ];
    assert.equal(c2?.sessionId, c1?.sessionId);
    const s3 = await t.post("/v1/auth/refresh", { refreshToken: s2.refreshToken });
    assert.equal(s3.status, 200);
    await s3.body?.cancel();
    const garbage = await t.post("/v1/auth/refresh", { refreshToken: "nope" });
    assert.equal(garbage.status, 401);
    assert.equal((await garbage.json()).error.code, ErrorCode.REFRESH_INVALID);
    assertLogsClean(t, [s1.refreshToken.split(".")[1], s2.refreshToken.split(".")[1]]);
  });
});

Deno.test("refresh: reusing a spent token revokes the family and closes the device", async () => {
  await withApp({}, async (t) => {
    await registerUser(t, "erin", PASSWORD);
    const s1 = await login(t, "erin", PASSWORD, "tablet");
    const r2 = await t.post("/v1/auth/refresh", { refreshToken: s1.refreshToken });
    const s2 = await r2.json() as SessionBody;
    const sid = (await authenticate(t.deps, s1.accessToken))!.sessionId;

    const reuse = await t.post("/v1/auth/refresh", { refreshToken: s1.refreshToken });
    assert.equal(reuse.status, 401);
    assert.equal((await reuse.json()).error.code, ErrorCode.REFRESH_INVALID);
    assert.deepEqual(t.revoked, [{ userId: s1.userId, deviceId: "tablet", sessionId: sid }]);
    const after = await t.post("/v1/auth/refresh", { refreshToken: s2.refreshToken });
    assert.equal(after.status, 401);
    await after.body?.cancel();
    assert.equal(await authenticate(t.deps, s2.accessToken), null);
    const ttl = await t.env.redis.pttl(t.env.keys.revokedSession(sid));
    assert.ok(ttl > (t.env.config.accessTtlSec - 5) * 1000, String(ttl));
  });
});

Deno.test("logout: 204, the access token stops authenticating, the refresh family is dead", async () => {
  await withApp({}, async (t) => {
    await registerUser(t, "frank", PASSWORD);
    const s = await login(t, "frank", PASSWORD, "web");
    const other = await login(t, "frank", PASSWORD, "phone");
    const auth = { Authorization: `Bearer ${s.accessToken}` };
    const res = await t.post("/v1/auth/logout", "", auth);
    assert.equal(res.status, 204);
    assert.equal(await authenticate(t.deps, s.accessToken), null);
    assert.equal(t.revoked.length, 1);
    assert.equal(t.revoked[0].deviceId, "web");
    const refresh = await t.post("/v1/auth/refresh", { refreshToken: s.refreshToken });
    assert.equal(refresh.status, 401);
    await refresh.body?.cancel();
    // Other devices keep their session.
    assert.ok(await authenticate(t.deps, other.accessToken));
    for (const headers of [auth, { Authorization: "Bearer a.b.c" }, {}]) {
      const again = await t.post("/v1/auth/logout", "", headers);
      assert.equal(again.status, 401);
      assert.equal((await again.json()).error.code, ErrorCode.UNAUTHORIZED);
    }
  });
});

Deno.test("no live gateway: 503, and a refresh token is not spent by the failed attempt", async () => {
  await withApp({}, async (t) => {
    await registerUser(t, "gina", PASSWORD);
    const s = await login(t, "gina");
    t.gateway = null;
    for (
      const [path, body] of [
        ["/v1/auth/login", { username: "gina", password: PASSWORD }],
        ["/v1/auth/refresh", { refreshToken: s.refreshToken }],
      ] as const
    ) {
      const res = await t.post(path, body);
      assert.equal(res.status, 503);
      assert.equal((await res.json()).error.code, ErrorCode.UNAVAILABLE);
    }
    t.gateway = { gatewayId: "gw-2", url: "ws://gw-2/ws" };
    const res = await t.post("/v1/auth/refresh", { refreshToken: s.refreshToken });
    assert.equal(res.status, 200);
    assert.equal((await res.json()).gatewayId, "gw-2");
    assert.deepEqual(t.revoked, []);
  });
});
