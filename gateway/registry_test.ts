import assert from "node:assert/strict";
import { UpstashKv } from "@im/shared/kv";
import { testEnv } from "@im/shared/testing";
import { startRedisRest } from "@im/shared/testing/redis-rest";
import { GatewayRegistry, pickGateway } from "./registry.ts";

Deno.test("registry: login picks the least-loaded live gateway; a silent one drops out after the TTL", async () => {
  const env = await testEnv();
  try {
    let now = 1_000_000;
    const reg = new GatewayRegistry(env.redis, env.keys, 15_000, () => now);
    await reg.announce({ gatewayId: "g1", url: "ws://a/ws", conns: 10 });
    await reg.announce({ gatewayId: "g2", url: "ws://b/ws", conns: 3 });
    assert.equal((await reg.pick())?.gatewayId, "g2");
    now += 10_000;
    await reg.announce({ gatewayId: "g1", url: "ws://a/ws", conns: 10 }); // g2 falls silent
    now += 6_000;
    assert.deepEqual((await reg.live()).map((g) => g.gatewayId), ["g1"]);
    assert.equal((await reg.pick())?.url, "ws://a/ws");
    await reg.withdraw("g1");
    assert.equal(await reg.pick(), null);
  } finally {
    await env.close();
  }
});

Deno.test("registry: what gateways announce is what login reads over the Redis REST API", async () => {
  const env = await testEnv();
  const rest = await startRedisRest({ redisUrl: env.config.redisUrl });
  try {
    const reg = new GatewayRegistry(env.redis, env.keys, 15_000);
    await reg.announce({ gatewayId: "g1", url: "ws://a/ws", conns: 4 });
    await reg.announce({ gatewayId: "g2", url: "ws://b/ws", conns: 1 });
    const kv = new UpstashKv({ url: rest.url, token: rest.token }, env.keys);
    assert.deepEqual(await pickGateway(kv, 15_000), {
      gatewayId: "g2",
      url: "ws://b/ws",
      conns: 1,
    });
    await reg.withdraw("g2");
    assert.equal((await pickGateway(kv, 15_000))?.gatewayId, "g1");
  } finally {
    await rest.close();
    await env.close();
  }
});
