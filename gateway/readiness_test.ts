import assert from "node:assert/strict";
import { createDb } from "@im/shared/db";
import { createOrderedRedis } from "@im/shared/redis";
import { testEnv } from "@im/shared/testing";
import { gatewayReadiness } from "./readiness.ts";

Deno.test("gateway readiness names the dependency that fails, and says when it drains", async () => {
  const env = await testEnv();
  // Nothing listens on port 1: the ingest connection and MySQL fail, the command connection not.
  const appender = createOrderedRedis("redis://127.0.0.1:1", "test-ingest");
  const db = createDb("mysql://root@127.0.0.1:1/nothing_here");
  try {
    let draining = false;
    const failed: string[] = [];
    const ready = gatewayReadiness({
      redis: env.redis,
      appender,
      db,
      draining: () => draining,
      onError: (dep) => failed.push(dep),
    });
    const r = await ready();
    assert.equal(r.ok, false);
    assert.deepEqual(r.checks, { redis: "ok", ingest: "error", mysql: "error" });
    assert.deepEqual(failed.sort(), ["ingest", "mysql"]);
    const healthy = gatewayReadiness({
      redis: env.redis,
      appender: env.redis,
      db: env.db,
      draining: () => draining,
      onError: () => {},
    });
    assert.deepEqual(await healthy(), {
      ok: true,
      draining: false,
      checks: { redis: "ok", ingest: "ok", mysql: "ok" },
    });
    draining = true;
    assert.equal((await healthy()).ok, false);
  } finally {
    appender.disconnect();
    await db.destroy();
    await env.close();
  }
});
