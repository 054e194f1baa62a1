import assert from "node:assert/strict";
import { loadConfig } from "@im/shared/config";
import { createRedis } from "@im/shared/redis";
import { findBinary, freePort, SERVER_BINARIES } from "./dev_stores.ts";
import {
  checkMysql,
  checkRedis,
  classifyMysqlError,
  classifyRedisError,
  preflight,
  redactCredentials,
} from "./preflight.ts";

Deno.test("preflight: names each unreachable store and how to start it, without passwords", async () => {
  const config = loadConfig(() => undefined, {
    redisUrl: "redis://127.0.0.1:1",
    mysqlUrl: "mysql://root:hunter2@127.0.0.1:2/im",
  });
  const problems = await preflight(config);
  assert.equal(problems.length, 2);
  assert.match(problems[0], /^Redis is not reachable at redis:\/\/127\.0\.0\.1:1/);
  // The advice names the URL's port, not the default one.
  assert.match(problems[0], /redis-server --daemonize yes --bind 127\.0\.0\.1 --port 1\)/);
  assert.match(problems[1], /^MySQL\/MariaDB is not reachable .* port 2\)/);
  assert.ok(!problems.join(" ").includes("hunter2"));
  assert.equal(redactCredentials("mysql://u:secret@h:1/db"), "mysql://u:***@h:1/db");
  assert.deepEqual(await preflight(loadConfig(() => undefined)), [], "the local stores are up");
});

Deno.test("preflight: a remote store that does not answer is not 'start it here'", async () => {
  // TEST-NET-1 would leave the machine; an unresolvable name fails without sending anything.
  const p = await checkRedis("redis://no-such-host.invalid:6379");
  assert.equal(p?.kind, "unreachable");
  assert.match(p!.message, /can reach no-such-host\.invalid:6379/);
  assert.doesNotMatch(p!.message, /redis-server --daemonize/);
});

Deno.test("preflight: a cluster URL is fine when one seed answers, else names the first seed", async () => {
  const up = new URL(loadConfig().redisUrl);
  const seed = `${up.hostname}:${up.port || 6379}`;
  const auth = up.password ? `:${up.password}@` : "";
  assert.equal(await checkRedis(`redis+cluster://${auth}no-such-host.invalid:7000,${seed}`), null);
  const p = await checkRedis("redis+cluster://no-such-host.invalid:7000,no-such-host.invalid:7001");
  assert.equal(p?.kind, "unreachable");
  assert.match(p!.message, /can reach no-such-host\.invalid:7000/);
});

Deno.test("preflight: MySQL credentials refused are reported as credentials, with the volume advice", async () => {
  const base = new URL(loadConfig().mysqlUrl);
  base.username = "imtest_nobody";
  base.password = "wrong-pass-xyz";
  const p = await checkMysql(base.toString());
  assert.equal(p?.kind, "credentials", String(p?.message));
  assert.match(p!.message, /refused the credentials in MYSQL_URL \(Access denied/);
  assert.match(p!.message, /keeps the root password of its first start/);
  assert.doesNotMatch(p!.message, /not reachable|Start it/);
  assert.ok(!p!.message.includes("wrong-pass-xyz"));
  assert.equal(classifyMysqlError({ code: "ECONNREFUSED" }), "unreachable");
  assert.equal(classifyMysqlError({ code: "ER_PARSE_ERROR" }), "other");
});

const redisBin = findBinary(SERVER_BINARIES.redis);

Deno.test({
  name:
    "preflight: Redis with a password: wrong or missing is credentials; a URL-encoded one works",
  ignore: !redisBin && Deno.env.get("CI") !== "true",
  async fn() {
    const port = freePort();
    const password = "p@ss:w/rd#1%";
    // The password through a config on stdin ("-"), as compose does: never on a command line.
    const child = new Deno.Command(redisBin!, {
      args: [
        "-",
        "--port",
        String(port),
        "--bind",
        "127.0.0.1",
        "--save",
        "",
        "--appendonly",
        "no",
      ],
      stdin: "piped",
      stdout: "null",
      stderr: "null",
    }).spawn();
    const w = child.stdin.getWriter();
    await w.write(new TextEncoder().encode(`requirepass "${password}"\n`));
    await w.close();
    try {
      const at = `127.0.0.1:${port}`;
      for (let i = 0; i < 50 && (await checkRedis(`redis://${at}`))?.kind === "unreachable"; i++) {
        await new Promise((r) => setTimeout(r, 100));
      }
      const none = await checkRedis(`redis://${at}`);
      assert.equal(none?.kind, "credentials", String(none?.message));
      assert.match(none!.message, /NOAUTH/);
      const wrong = await checkRedis(`redis://:nope@${at}`);
      assert.equal(wrong?.kind, "credentials", String(wrong?.message));
      assert.match(wrong!.message, /REDIS_PASSWORD in \.env/);
      assert.ok(!wrong!.message.includes("nope"));
      const url = `redis://:${encodeURIComponent(password)}@${at}`;
      assert.equal(await checkRedis(url), null);
      // Our runtime connection (ioredis) decodes the URL the same way.
      const redis = createRedis(url, "preflight-test");
      try {
        assert.equal(await redis.ping(), "PONG");
      } finally {
        redis.disconnect();
      }
      assert.equal(
        classifyRedisError(new Error("WRONGPASS invalid username-password")),
        "credentials",
      );
    } finally {
      child.kill("SIGTERM");
      await child.status;
    }
  },
});
