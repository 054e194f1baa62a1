import assert from "node:assert/strict";
import { ErrorCode } from "@im/protocol";
import { MAX_BODY_BYTES } from "./http.ts";
import { registerUser, type SessionBody, withApp } from "./test_app.ts";

const PASSWORD = "pa55word-Secret!";

async function errorCode(res: Response): Promise<number> {
  const body = await res.json();
  assert.equal(typeof body.error?.message, "string");
  return body.error.code;
}

Deno.test("register: 201 with the public user; nickname defaults to the username", async () => {
  await withApp({}, async (t) => {
    const res = await t.post("/v1/auth/register", { username: "alice", password: PASSWORD });
    assert.equal(res.status, 201);
    const body = await res.json();
    assert.match(body.userId, /^[1-9][0-9]*$/);
    assert.deepEqual(body, { userId: body.userId, username: "alice", nickname: "alice" });
    const row = await t.env.db.selectFrom("users").selectAll().executeTakeFirstOrThrow();
    assert.ok(row.password_hash.startsWith("$argon2id$") && !row.password_hash.includes(PASSWORD));
    assert.ok(t.logs.every((l) => !l.includes(PASSWORD)));
  });
});

Deno.test("register: the same name twice at once gives one 201 and one 409, never a 500", async () => {
  await withApp({}, async (t) => {
    const body = { username: "bob", password: PASSWORD, nickname: "Bob 🚀" };
    const results = await Promise.all([
      t.post("/v1/auth/register", body),
      t.post("/v1/auth/register", body),
    ]);
    assert.deepEqual(results.map((r) => r.status).sort(), [201, 409]);
    const taken = results.find((r) => r.status === 409)!;
    assert.equal(await errorCode(taken), ErrorCode.USERNAME_TAKEN);
    const created = await results.find((r) => r.status === 201)!.json();
    assert.equal(created.nickname, "Bob 🚀");
  });
});

Deno.test("register: username and password rules", async () => {
  await withApp({}, async (t) => {
    for (const username of ["al", "Alice", "has space", "x".repeat(33), "bad-dash", ""]) {
      const res = await t.post("/v1/auth/register", { username, password: PASSWORD });
      assert.equal(res.status, 400, username);
      assert.equal(await errorCode(res), ErrorCode.INVALID_USERNAME, username);
    }
    for (const password of ["short", "1234567", "x".repeat(129)]) {
      const res = await t.post("/v1/auth/register", { username: "carol", password });
      assert.equal(res.status, 400);
      assert.equal(await errorCode(res), ErrorCode.WEAK_PASSWORD);
    }
    const blankNick = await t.post("/v1/auth/register", {
      username: "carol",
      password: PASSWORD,
      nickname: "   ",
    });
    assert.equal(await errorCode(blankNick), ErrorCode.INVALID_REQUEST);
    assert.equal(await t.env.db.selectFrom("users").select("id").executeTakeFirst(), undefined);
  });
});

Deno.test("bodies: objects where strings belong, bad JSON, unknown keys and oversize are 400/413", async () => {
  await withApp({}, async (t) => {
    const bad: [string, unknown][] = [
      ["/v1/auth/register", { username: { $ne: "" }, password: PASSWORD }],
      ["/v1/auth/register", { username: "dave", password: { toString: "x" } }],
      ["/v1/auth/login", { username: "dave", password: { $gt: "" } }],
      ["/v1/auth/login", { username: ["dave"], password: PASSWORD }],
      ["/v1/auth/login", { username: "dave", password: PASSWORD, deviceId: "has space" }],
      ["/v1/auth/refresh", { refreshToken: { id: "x" } }],
      ["/v1/auth/login", { username: "dave", password: PASSWORD, isAdmin: true }],
      ["/v1/auth/login", '{"username": "dave", '],
      ["/v1/auth/login", "[]"],
      ["/v1/auth/login", ""],
    ];
    for (const [path, body] of bad) {
      const res = await t.post(path, body);
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.equal(await errorCode(res), ErrorCode.INVALID_REQUEST);
    }
    const huge = await t.post("/v1/auth/register", {
      username: "dave",
      password: "x".repeat(MAX_BODY_BYTES),
    });
    assert.equal(huge.status, 413);
    assert.equal(await errorCode(huge), ErrorCode.INVALID_REQUEST);
  });
});

Deno.test("user lookup by name and id needs a valid bearer token", async () => {
  await withApp({}, async (t) => {
    const erin = await registerUser(t, "erin", PASSWORD);
    const login = await t.post("/v1/auth/login", { username: "erin", password: PASSWORD });
    const { accessToken } = await login.json() as SessionBody;
    const auth = { Authorization: `Bearer ${accessToken}` };
    const get = (path: string, headers: Record<string, string> = auth) =>
      t.app.request(path, { headers });

    const byName = await get("/v1/users/by-name/erin");
    assert.equal(byName.status, 200);
    assert.deepEqual(await byName.json(), erin);
    const byId = await get(`/v1/users/${erin.userId}`);
    assert.deepEqual(await byId.json(), erin);
    for (
      const path of ["/v1/users/by-name/nobody", "/v1/users/by-name/NOPE!", "/v1/users/999999"]
    ) {
      const res = await get(path);
      assert.equal(res.status, 404, path);
      assert.equal(await errorCode(res), ErrorCode.NO_SUCH_USER);
    }
    const badAuth: Record<string, string>[] = [
      {},
      { Authorization: "Bearer nope" },
      { Authorization: accessToken },
    ];
    for (const headers of badAuth) {
      const res = await get("/v1/users/by-name/erin", headers);
      assert.equal(res.status, 401);
      assert.equal(await errorCode(res), ErrorCode.UNAUTHORIZED);
    }
  });
});

Deno.test("register: registrations per IP are throttled (each costs an argon2 hash)", async () => {
  await withApp({ registerMaxPerIp: 2 }, async (t) => {
    const reg = (username: string, ip: string) =>
      t.post("/v1/auth/register", { username, password: PASSWORD }, { "x-test-ip": ip });
    assert.equal((await reg("first_user", "198.51.100.1")).status, 201);
    assert.equal((await reg("second_user", "198.51.100.1")).status, 201);
    const third = await reg("third_user", "198.51.100.1");
    assert.equal(third.status, 429);
    assert.ok(Number(third.headers.get("retry-after")) > 0);
    assert.equal(await errorCode(third), ErrorCode.TOO_MANY_ATTEMPTS);
    // Invalid requests never reach the hash and do not count; other addresses are unaffected.
    assert.equal((await reg("x", "198.51.100.1")).status, 400);
    assert.equal((await reg("third_user", "198.51.100.2")).status, 201);
  });
});
