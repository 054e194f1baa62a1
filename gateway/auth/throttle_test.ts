import assert from "node:assert/strict";
import { IoredisKv } from "@im/shared/kv";
import { testEnv } from "@im/shared/testing";
import { ipBucket, LoginThrottle } from "./throttle.ts";

Deno.test("ipBucket: IPv4 as is, IPv4-mapped unwrapped, IPv6 by /64", () => {
  assert.equal(ipBucket("203.0.113.7"), "203.0.113.7");
  assert.equal(ipBucket("::ffff:203.0.113.7"), "203.0.113.7");
  assert.equal(ipBucket("2001:db8:1:2:3:4:5:6"), "2001:db8:1:2::/64");
  assert.equal(ipBucket("2001:DB8:1:2::9"), "2001:db8:1:2::/64");
  assert.equal(ipBucket("2001:db8::1"), "2001:db8:0:0::/64");
  assert.equal(ipBucket("::1"), "0:0:0:0::/64");
  assert.equal(ipBucket("fe80::1%eth0"), "fe80:0:0:0::/64");
  assert.equal(ipBucket("not-an-ip"), "not-an-ip");
});

Deno.test("throttle: N attempts per username, then blocked with a Retry-After within the window", async () => {
  const env = await testEnv({ loginMaxFailures: 3, loginWindowSec: 60 });
  try {
    const t = new LoginThrottle(new IoredisKv(env.redis, env.keys), env.keys, env.config);
    assert.equal((await t.attempt("alice", "10.0.0.1")).blocked, false);
    // The counter carries an expiry from its first attempt, so a lock cannot last forever.
    for (const kind of ["user", "ip"] as const) {
      const ttl = await env.redis.pttl(
        env.keys.loginFailures(kind, kind === "user" ? "alice" : "10.0.0.1"),
      );
      assert.ok(ttl > 0 && ttl <= 60_000, `${kind} ${ttl}`);
    }
    for (let i = 0; i < 2; i++) assert.equal((await t.attempt("alice", "10.0.0.1")).blocked, false);
    const v = await t.attempt("alice", "10.0.0.2");
    assert.equal(v.blocked, true);
    assert.ok(v.retryAfterSec >= 1 && v.retryAfterSec <= 60, String(v.retryAfterSec));
    // Another account from the same IP is unaffected.
    assert.equal((await t.attempt("bob", "10.0.0.1")).blocked, false);
  } finally {
    await env.close();
  }
});

Deno.test("throttle: parallel attempts cannot overshoot the limit", async () => {
  const env = await testEnv({ loginMaxFailures: 5, loginMaxFailuresPerIp: 1000 });
  try {
    const t = new LoginThrottle(new IoredisKv(env.redis, env.keys), env.keys, env.config);
    const verdicts = await Promise.all(
      Array.from({ length: 40 }, () => t.attempt("carol", "10.0.0.3")),
    );
    assert.equal(verdicts.filter((v) => !v.blocked).length, 5);
  } finally {
    await env.close();
  }
});

Deno.test("throttle: per-IP limit across usernames; success forgives the account, not the IP", async () => {
  const env = await testEnv({ loginMaxFailures: 2, loginMaxFailuresPerIp: 4 });
  try {
    const t = new LoginThrottle(new IoredisKv(env.redis, env.keys), env.keys, env.config);
    const ip = "198.51.100.9";
    assert.equal((await t.attempt("dave", ip)).blocked, false);
    await t.succeed("dave", ip);
    assert.equal(await env.redis.exists(env.keys.loginFailures("user", "dave")), 0);
    for (const u of ["u1", "u2", "u3", "u4"]) assert.equal((await t.attempt(u, ip)).blocked, false);
    assert.equal((await t.attempt("u5", ip)).blocked, true);
    // A success does not reset the IP budget, it only returns its own slot.
    await t.succeed("u1", ip);
    assert.equal((await t.attempt("u6", ip)).blocked, false);
    assert.equal((await t.attempt("u7", ip)).blocked, true);
    // An attempt refused for a locked account does not consume the IP budget.
    const other = "198.51.100.10";
    await t.attempt("erin", other);
    await t.attempt("erin", other);
    assert.equal((await t.attempt("erin", other)).blocked, true);
    assert.equal(await env.redis.get(env.keys.loginFailures("ip", other)), "2");
  } finally {
    await env.close();
  }
});
