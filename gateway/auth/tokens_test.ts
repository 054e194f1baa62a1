import assert from "node:assert/strict";
import { sign } from "hono/jwt";
import { loadConfig } from "@im/shared/config";
import { InvalidTokenError, signAccessToken, verifyAccessToken } from "./tokens.ts";

const SECRET = "unit-test-secret-0123456789abcdef-xyz";
const config = loadConfig(() => undefined, { accessTtlSec: 600 });
const who = { userId: "42", deviceId: "phone-1", sessionId: "0123456789abcdef0123456789abcdef" };
const now = () => Math.floor(Date.now() / 1000);

function claims(extra: Record<string, unknown> = {}): Record<string, unknown> {
  const t = now();
  return {
    sub: who.userId,
    sid: who.sessionId,
    did: who.deviceId,
    iss: config.jwtIssuer,
    aud: config.jwtAudience,
    iat: t,
    nbf: t,
    exp: t + 60,
    jti: "j",
    ...extra,
  };
}

async function rejects(token: string, secret = SECRET): Promise<InvalidTokenError> {
  try {
    await verifyAccessToken(token, secret, config);
  } catch (e) {
    assert.ok(e instanceof InvalidTokenError, String(e));
    // The token must never travel inside an error that may be logged.
    assert.ok(!e.message.includes(token) && !e.reason.includes(token));
    return e;
  }
  throw new Error("token was accepted");
}

const b64url = (s: string) => btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");

Deno.test("a signed token verifies to its claims", async () => {
  const t = now(); // fixed, so a second boundary between the two lines cannot fail the test
  const { token, exp } = await signAccessToken(SECRET, config, who, t);
  assert.deepEqual(await verifyAccessToken(token, SECRET, config), { ...who, exp });
  assert.equal(exp, t + 600);
});

Deno.test("a control token with the test claims verifies (the rejections below are meaningful)", async () => {
  const token = await sign(claims(), SECRET, "HS256");
  assert.equal((await verifyAccessToken(token, SECRET, config)).userId, "42");
});

Deno.test("rejects another algorithm with the same secret (HS512)", async () => {
  await rejects(await sign(claims(), SECRET, "HS512"));
});

Deno.test("rejects alg none", async () => {
  const header = b64url(JSON.stringify({ alg: "none", typ: "JWT" }));
  await rejects(`${header}.${b64url(JSON.stringify(claims()))}.`);
});

Deno.test("rejects a wrong audience or issuer", async () => {
  await rejects(await sign(claims({ aud: "someone-else" }), SECRET, "HS256"));
  await rejects(await sign(claims({ iss: "evil" }), SECRET, "HS256"));
  await rejects(await sign(claims({ aud: undefined }), SECRET, "HS256"));
});

Deno.test("rejects expired tokens, and tokens without exp or nbf", async () => {
  const { token } = await signAccessToken(SECRET, config, who, now() - 601);
  await rejects(token);
  await rejects(await sign(claims({ exp: undefined }), SECRET, "HS256"));
  await rejects(await sign(claims({ nbf: undefined }), SECRET, "HS256"));
});

Deno.test("rejects a token not valid yet beyond the clock-skew allowance", async () => {
  await rejects(await sign(claims({ nbf: now() + 60, iat: now() + 60 }), SECRET, "HS256"));
  // Within the allowance (another gateway's clock a little ahead) it is accepted.
  const ahead = await sign(claims({ nbf: now() + 2, iat: now() + 2 }), SECRET, "HS256");
  assert.equal((await verifyAccessToken(ahead, SECRET, config)).userId, "42");
});

Deno.test("rejects a tampered payload and a wrong secret", async () => {
  const { token } = await signAccessToken(SECRET, config, who);
  const [h, , s] = token.split(".");
  const forged = b64url(JSON.stringify(claims({ sub: "1" })));
  await rejects(`${h}.${forged}.${s}`);
  await rejects(token, SECRET + "x");
});

Deno.test("rejects malformed identity claims and garbage", async () => {
  await rejects(await sign(claims({ sub: 42 }), SECRET, "HS256"));
  await rejects(await sign(claims({ sid: "not-hex" }), SECRET, "HS256"));
  await rejects(await sign(claims({ did: "a b" }), SECRET, "HS256"));
  await rejects("not.a.jwt");
  await rejects("x".repeat(5000));
});
