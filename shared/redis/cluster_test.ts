/**
 * The Cluster side of the connect, pipeline and scan helpers, on a private Redis Cluster
 * (shared/testing/redis_cluster.ts): commands whose keys live on different masters in one
 * pipeline, keyless-looking commands (XGROUP) and scripts among them, a walk over every master.
 */
import assert from "node:assert/strict";
import { missingTool } from "../testing.ts";
import { startRedisCluster } from "../testing/redis_cluster.ts";
import { type Cluster, createRedis, isCluster, parseClusterUrl } from "./connect.ts";
import { Lease } from "./lease.ts";
import { pipeline, slotOf } from "./pipeline.ts";
import { scanAll, scanPage, unlinkAll } from "./scan.ts";

const NAME = "redis cluster: pipelines over many nodes, scans over every master";

Deno.test("redis cluster: the URL names the seed nodes and credentials", () => {
  assert.equal(parseClusterUrl("redis://127.0.0.1:6379"), null);
  assert.deepEqual(parseClusterUrl("redis+cluster://:s%40cret@10.0.0.1:7000,[::1]:7001/"), {
    nodes: [{ host: "10.0.0.1", port: 7000 }, { host: "::1", port: 7001 }],
    username: undefined,
    password: "s@cret",
  });
  assert.throws(() => parseClusterUrl("redis+cluster://10.0.0.1"), /not host:port/);
});

Deno.test({
  name: NAME,
  ignore: await missingTool(NAME, "redis-cli"),
  async fn() {
    const rig = await startRedisCluster({ masters: 3, replicas: 0 });
    const redis = createRedis(rig.url, "test") as Cluster;
    try {
      assert.ok(isCluster(redis));
      await redis.ping();
      // Keys on every master: partitions' streams each have their own hash tag and slot.
      const keys = Array.from({ length: 12 }, (_, i) => `t:{p${i}}:in`);
      const masters = new Set(keys.map((k) => redis.slots[slotOf("get", [k])]?.[0]));
      assert.equal(masters.size, 3, "the keys span all three masters");
      // ioredis alone refuses such a pipeline: what pipeline() exists for.
      await assert.rejects(
        () => {
          const p = redis.pipeline();
          for (const k of keys) p.xadd(k, "*", "f", "v");
          return p.exec();
        },
        /same slots allocation group/,
      );
      const p = pipeline(redis);
      for (const k of keys) {
        p.xgroup("CREATE", k, "g", "0", "MKSTREAM");
        p.xadd(k, "*", "f", k);
        p.eval("return redis.call('XLEN', KEYS[1])", 1, k);
      }
      assert.equal(p.length, keys.length * 3);
      const res = (await p.exec())!;
      assert.deepEqual(res.map(([e]) => e), res.map(() => null));
      keys.forEach((_, i) => {
        assert.equal(res[i * 3][1], "OK");
        assert.equal(res[i * 3 + 2][1], 1, "results come back in call order");
      });
      // callBuffer (the REST shim's way) is grouped by the command it names.
      const q = pipeline(redis);
      for (const k of keys) q.callBuffer("xlen", k);
      assert.deepEqual((await q.exec())!.map(([e, v]) => [e, v]), keys.map(() => [null, 1]));

      // A walk visits every master, pages by a small count, and ends at "0".
      const found = new Set<string>();
      let cursor = "0", pages = 0;
      do {
        const [next, page] = await scanPage(redis, cursor, "t:*", 2);
        for (const k of page) found.add(k);
        cursor = next;
        pages++;
      } while (cursor !== "0");
      assert.deepEqual([...found].sort(), [...keys].sort());
      assert.ok(pages >= 3, "one walk over each master at least");
      await unlinkAll(redis, await scanAll(redis, "t:*"));
      assert.deepEqual(await scanAll(redis, "t:*"), []);
    } finally {
      redis.disconnect();
      await rig.stop();
    }
  },
});

Deno.test({
  name: "redis cluster: a new lease's fence is on a replica before acquire returns",
  ignore: await missingTool("redis cluster lease", "redis-cli"),
  async fn() {
    const rig = await startRedisCluster({ masters: 3, replicas: 1 });
    const redis = createRedis(rig.url, "test") as Cluster;
    try {
      await redis.ping();
      const key = "t:{p3}:lease";
      const master = redis.nodes("master").find((n) =>
        `${n.options.host}:${n.options.port}` === redis.slots[slotOf("get", [key])][0]
      )!;
      const offsets = async () => {
        const info = await master.info("replication");
        return {
          own: Number(/master_repl_offset:(\d+)/.exec(info)![1]),
          acked: Number(/slave0:[^\r\n]*offset=(\d+)/.exec(info)![1]),
        };
      };
      for (let owner = 0; owner < 3; owner++) {
        const before = (await offsets()).own;
        const lease = new Lease(redis, key, "t:{p3}:fence", `w${owner}`, 60_000);
        assert.equal(await lease.acquire(`w${owner - 1}`), owner + 1);
        // A replica acks its offset once a second by itself; WAIT asks for it at once. So
        // right after acquire the master has seen its replica get past the fence's write.
        const { acked } = await offsets();
        assert.ok(acked > before, `replica acked ${acked}, the write came after ${before}`);
      }
    } finally {
      redis.disconnect();
      await rig.stop();
    }
  },
});
