/**
 * `deno task test:cluster [files...]`: starts a private Redis Cluster (shared/testing/
 * redis_cluster.ts: three masters, a replica each) and runs the Redis-touching suites against
 * it, by pointing REDIS_URL (which every test helper reads) at its `redis+cluster://` URL.
 * Without arguments it runs CLUSTER_SUITES; the default `deno task test` runs the cluster
 * failover test and the cluster slice of the kv suite itself (see README "Redis Cluster").
 */
import { startRedisCluster } from "@im/shared/testing/redis-cluster";

export const CLUSTER_SUITES = [
  "shared/kv/conformance_test.ts",
  "workers/lease_test.ts",
  "workers/consumer/loop_test.ts",
  "workers/consumer/trim_test.ts",
  "workers/consumer/partition_reader_test.ts",
  "workers/batch_test.ts",
  "scripts/e2e_test.ts",
];

if (import.meta.main) {
  const files = Deno.args.length ? Deno.args : CLUSTER_SUITES;
  const rig = await startRedisCluster();
  console.log(`redis cluster: ${rig.url}`);
  let code = 1;
  try {
    const child = new Deno.Command(Deno.execPath(), {
      args: ["test", "-A", "--no-check=remote", ...files],
      env: { REDIS_URL: rig.url },
      stdout: "inherit",
      stderr: "inherit",
    }).spawn();
    code = (await child.status).code;
  } finally {
    await rig.stop();
  }
  Deno.exit(code);
}
