import assert from "node:assert/strict";
import { loadConfig } from "@im/shared/config";
import { preflight, redactCredentials } from "./preflight.ts";

Deno.test("preflight: names each unreachable store and how to start it, without passwords", async () => {
  const config = loadConfig(() => undefined, {
    redisUrl: "redis://127.0.0.1:1",
    mysqlUrl: "mysql://root:hunter2@127.0.0.1:2/im",
  });
  const problems = await preflight(config);
  assert.equal(problems.length, 2);
  assert.match(problems[0], /^Redis is not reachable at redis:\/\/127\.0\.0\.1:1/);
  assert.match(problems[1], /^MySQL\/MariaDB is not reachable/);
  assert.ok(!problems.join(" ").includes("hunter2"));
  assert.equal(redactCredentials("mysql://u:secret@h:1/db"), "mysql://u:***@h:1/db");
  assert.deepEqual(await preflight(loadConfig(() => undefined)), [], "the local stores are up");
});
