import assert from "node:assert/strict";
import { testEnv } from "@im/shared/testing";
import { ErrorCode } from "@im/protocol";
import { startSystem, TestSocket } from "./test_support.ts";
import { USER_WINDOW_MS, UserRateLimiter } from "./user_ratelimit.ts";

Deno.test("user rate limit: two gateways share one user's budget through Redis; others are untouched; the next window is fresh", async () => {
  const env = await testEnv();
  try {
    let now = 1_000_000; // the start of a 1 s window
    const clock = () => now;
    // 10 frames/s over 1 s windows: a budget of 10 per window, across gateways.
    const g1 = new UserRateLimiter(env.redis, env.keys, 10, 1000, clock);
    const g2 = new UserRateLimiter(env.redis, env.keys, 10, 1000, clock);
    for (let i = 0; i < 6; i++) assert.equal(g1.take("42"), true);
    for (let i = 0; i < 6; i++) assert.equal(g2.take("42"), true); // local counts pass at once
    assert.equal(g2.take("7"), true);
    await g1.flush();
    await g2.flush();
    assert.equal(g2.take("42"), false, "12 of 10 across both gateways: refused");
    assert.equal(g2.take("7"), true, "another user is not affected");
    assert.equal(g1.take("42"), true, "gateway 1 learns at its next flush (the slack)");
    await g1.flush();
    assert.equal(g1.take("42"), false);
    assert.equal(await env.redis.get(env.keys.userFrames("42", 1000)), "13");
    assert.ok(Number(await env.redis.pttl(env.keys.userFrames("42", 1000))) > 0, "counters expire");
    now += 1000; // the next window
    assert.equal(g1.take("42"), true);
    assert.equal(g2.take("42"), true);
    await g1.flush();
    assert.equal(g1.take("42"), true, "2 of 10 in the new window");
    const off = new UserRateLimiter(env.redis, env.keys, 0);
    assert.equal(off.enabled, false);
    for (let i = 0; i < 100; i++) assert.equal(off.take("42"), true);
  } finally {
    await env.close();
  }
});

Deno.test({
  name:
    "user rate limit: a user's devices on a gateway share the budget; past it frames get RATE_LIMITED",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    // 2 frames/s over 5 s windows: 10 per window; each connection alone could send 1000/s.
    const sys = await startSystem({
      userRateLimitPerSec: 2,
      rateLimitPerSec: 1000,
      rateLimitBurst: 1000,
    });
    try {
      const one = await sys.register("carol", "one");
      const two = await sys.login("carol", "two");
      const a = await TestSocket.open(one.wsUrl, one.accessToken);
      const b = await TestSocket.open(two.wsUrl, two.accessToken);
      // Windows are aligned to the clock: start early in one, so every frame below counts in it.
      const intoWindow = Date.now() % USER_WINDOW_MS;
      if (intoWindow > 1000) await new Promise((r) => setTimeout(r, USER_WINDOW_MS - intoWindow));
      for (let i = 0; i < 6; i++) await a.request({ type: "ping", id: `a${i}` }, "pong");
      for (let i = 0; i < 6; i++) await b.request({ type: "ping", id: `b${i}` }, "pong");
      await new Promise((r) => setTimeout(r, 600)); // the counts reach Redis
      // Rate-limit errors carry no request id (the frame was not read), as per connection.
      b.send({ type: "ping", id: "b-over" });
      assert.equal((await b.next("error")).data.code, ErrorCode.RATE_LIMITED);
      a.send({ type: "ping", id: "a-over" });
      assert.equal((await a.next("error")).data.code, ErrorCode.RATE_LIMITED);
      const metrics = await (await sys.http("/metrics")).text();
      assert.match(metrics, /im_gateway_rate_limited_total\{scope="user"\} 2/);
      a.close();
      b.close();
    } finally {
      await sys.close();
    }
  },
});
