/**
 * Fault tests (issue 9, items 2-6) on real processes: a dead worker's partitions move before
 * its lease could expire; a dead gateway is not handed out; SIGTERM ends while Redis is down;
 * Redis errors go to the JSON log, never raw to stderr. Send order across a Redis outage is in
 * reliability_test.ts.
 */
import assert from "node:assert/strict";
import { directConversationId } from "@im/protocol";
import { partitionOf } from "@im/shared/partition";
import { testEnv } from "@im/shared/testing";
import { TestSocket } from "@im/gateway/testing";
import { envFor, type Proc, signUp, spawn } from "./testing/cluster.ts";
import { privateRedis } from "./testing/redis.ts";

async function until(what: string, check: () => Promise<boolean>, ms = 15_000) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const test = (name: string, fn: () => Promise<void>) =>
  Deno.test({ name, sanitizeOps: false, sanitizeResources: false, fn });

test("faults: a SIGKILLed worker's partition moves on its stale heartbeat, long before its lease expires", async () => {
  const env = await testEnv({ partitions: 4 });
  const procs: Proc[] = [];
  try {
    // A lease of 20 s: waiting it out would fail this test's timeout; the heartbeat does not.
    const base = envFor(env, { LEASE_TTL_MS: "20000", WORKER_DEAD_MS: "1000", BLOCK_MS: "2000" });
    const gw = await spawn("gateway", base);
    const w1 = await spawn("worker", base), w2 = await spawn("worker", base);
    procs.push(gw, w1, w2);
    const alice = await signUp(gw.port, "alice"), bob = await signUp(gw.port, "bob");
    const a = await TestSocket.open(`ws://127.0.0.1:${gw.port}/ws`, alice.accessToken);
    const lease = env.keys.partitionLease(
      partitionOf(directConversationId(alice.userId, bob.userId), 4),
    );
    let owner: Proc | undefined;
    await until("the partition has an owner", async () => {
      const v = await env.redis.get(lease);
      owner = [w1, w2].find((w) => v?.startsWith(`${w.id}:`));
      return owner !== undefined;
    });
    const survivor = owner === w1 ? w2 : w1;
    await owner!.kill("SIGKILL");
    const killedAt = Date.now();
    const sent = await a.request({
      type: "msg.send",
      id: "after-kill",
      data: { to: bob.userId, clientMsgId: "after-kill", kind: "text", body: "still there?" },
    }, "msg.sent").catch(() => null) ?? await a.next("msg.sent", () => true, 12_000);
    const tookMs = Date.now() - killedAt;
    assert.equal(sent.data.seq, 1);
    assert.ok((await env.redis.get(lease))?.startsWith(`${survivor.id}:`), "the survivor owns it");
    assert.ok(
      survivor.log.some((l) => l.includes("took partition from a dead owner")),
      "taken from the dead owner, not after its lease expired",
    );
    assert.ok(tookMs < 20_000, `acked in ${tookMs} ms, before the 20 s lease could lapse`);
    console.log(`faults: message acked ${tookMs} ms after its partition's owner was SIGKILLed`);
    await a.close();
  } finally {
    await Promise.all(procs.map((p) => p.kill("SIGKILL")));
    await env.close();
  }
});

test("faults: a SIGKILLed gateway is not handed out, and a client that failed one gets another", async () => {
  const env = await testEnv({ partitions: 2 });
  const procs: Proc[] = [];
  try {
    const base = envFor(env, { GATEWAY_TTL_SEC: "2" });
    const g1 = await spawn("gateway", base), g2 = await spawn("gateway", base);
    const w = await spawn("worker", base);
    procs.push(g1, g2, w);
    await signUp(g2.port, "carol");
    await g1.kill("SIGKILL");
    const login = (avoidGateway?: string) =>
      fetch(`http://127.0.0.1:${g2.port}/v1/auth/login`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          username: "carol",
          password: "cluster test pw",
          ...(avoidGateway ? { avoidGateway } : {}),
        }),
      }).then((r) => r.json());
    // At once: the dead one may still look live, but a client that failed it is sent elsewhere.
    assert.equal((await login(g1.id)).gatewayId, g2.id);
    await new Promise((r) => setTimeout(r, 2300));
    for (let i = 0; i < 10; i++) {
      assert.equal(
        (await login()).gatewayId,
        g2.id,
        "a gateway silent past its TTL is never picked",
      );
    }
  } finally {
    await Promise.all(procs.map((p) => p.kill("SIGKILL")));
    await env.close();
  }
});

test("faults: SIGTERM during a Redis outage ends within SHUTDOWN_TIMEOUT_MS; errors are JSON log lines", async () => {
  const redis = await privateRedis();
  const env = await testEnv({ partitions: 2, redisUrl: redis.url });
  const procs: Proc[] = [];
  try {
    const base = envFor(env, { SHUTDOWN_TIMEOUT_MS: "3000", LOG_LEVEL: "info" });
    const gw = await spawn("gateway", base), w = await spawn("worker", base);
    procs.push(gw, w);
    await redis.kill();
    await new Promise((r) => setTimeout(r, 1000));
    const t0 = Date.now();
    const [gs, ws] = await Promise.all([gw.kill("SIGTERM"), w.kill("SIGTERM")]);
    const tookMs = Date.now() - t0;
    assert.ok(tookMs < 8000, `both exited in ${tookMs} ms`);
    assert.ok([0, 1].includes(gs.code) && [0, 1].includes(ws.code), "they exited, not crashed");
    for (const p of [gw, w]) {
      const err = p.stderr.join("");
      assert.equal(err.includes("Unhandled error event"), false, `${p.kind} stderr: ${err}`);
      assert.ok(p.log.some((l) => l.includes("redis connection error")), `${p.kind} logged it`);
    }
  } finally {
    await Promise.all(procs.map((p) => p.kill("SIGKILL")));
    await redis.start();
    await env.close();
    await redis.stop();
  }
});
