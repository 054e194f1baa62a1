/**
 * A private Redis Cluster for tests: three masters and one replica each, from the machine's
 * redis-server, on free loopback ports with their own data directories. `url` is the
 * `redis+cluster://` URL every connect function takes. `killMaster` SIGKILLs the master of a
 * key's slot; its replica is promoted by the cluster itself (node timeout 1 s), and
 * `waitHealthy` waits until every slot is served again.
 *
 * Run standalone (prints the URL, stops on Ctrl-C): deno run -A shared/testing/redis_cluster.ts
 */
import { Cluster } from "ioredis";

export interface ClusterNodeProc {
  port: number;
  child: Deno.ChildProcess | null;
}

export interface RedisClusterRig {
  url: string;
  nodes: ClusterNodeProc[];
  /** SIGKILLs the master serving `key`'s slot; returns its port. */
  killMaster(key: string): Promise<number>;
  /** Every slot served by a live master, as every live node sees it. */
  waitHealthy(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

const NODE_TIMEOUT_MS = 1000;

function free(port: number): boolean {
  try {
    Deno.listen({ hostname: "127.0.0.1", port }).close();
    return true;
  } catch {
    return false;
  }
}

/** Ports whose cluster bus port (port + 10000) is free too. */
function freePorts(n: number): number[] {
  const out: number[] = [];
  while (out.length < n) {
    const p = 20000 + Math.floor(Math.random() * 20000);
    if (!out.includes(p) && free(p) && free(p + 10000)) out.push(p);
  }
  return out;
}

async function cli(port: number, ...args: string[]): Promise<string> {
  const o = await new Deno.Command("redis-cli", {
    args: ["-h", "127.0.0.1", "-p", String(port), ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(o.stdout) + new TextDecoder().decode(o.stderr);
  if (!o.success) throw new Error(`redis-cli ${args.join(" ")}: ${text}`);
  return text;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function startRedisCluster(
  opts: { masters?: number; replicas?: number } = {},
): Promise<RedisClusterRig> {
  const masters = opts.masters ?? 3, replicas = opts.replicas ?? 1;
  const ports = freePorts(masters * (1 + replicas));
  const dir = await Deno.makeTempDir({ prefix: "im-redis-cluster-" });
  const nodes: ClusterNodeProc[] = ports.map((port) => ({ port, child: null }));
  const startNode = async (n: ClusterNodeProc) => {
    await Deno.mkdir(`${dir}/${n.port}`, { recursive: true });
    n.child = new Deno.Command("redis-server", {
      args: [
        ...["--port", String(n.port), "--bind", "127.0.0.1", "--dir", `${dir}/${n.port}`],
        ...["--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf"],
        ...["--cluster-node-timeout", String(NODE_TIMEOUT_MS)],
        // A promoted replica has every write its master acked to the client only if the
        // replica got it first; AOF does not change that, so keep the rig light.
        ...["--appendonly", "no", "--save", ""],
      ],
      stdout: "null",
      stderr: "null",
    }).spawn();
    for (let i = 0; i < 100; i++) {
      if (await cli(n.port, "ping").then((t) => t.includes("PONG"), () => false)) return;
      await sleep(50);
    }
    throw new Error(`redis-server did not start on ${n.port}`);
  };
  const kill = async (n: ClusterNodeProc) => {
    const c = n.child;
    n.child = null;
    if (!c) return;
    try {
      c.kill("SIGKILL");
    } catch { /* gone */ }
    await c.status;
  };
  const stop = async () => {
    await Promise.all(nodes.map(kill));
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  };
  const waitHealthy = async (timeoutMs = 20_000) => {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const live = nodes.filter((n) => n.child);
      const infos = await Promise.all(
        live.map((n) => cli(n.port, "cluster", "info").catch(() => "")),
      );
      if (infos.every((t) => /cluster_state:ok/.test(t) && /cluster_slots_fail:0/.test(t))) return;
      if (Date.now() > until) throw new Error(`cluster not healthy:\n${infos.join("\n")}`);
      await sleep(100);
    }
  };
  try {
    await Promise.all(nodes.map(startNode));
    await cli(
      ports[0],
      "--cluster",
      "create",
      ...ports.map((p) => `127.0.0.1:${p}`),
      "--cluster-replicas",
      String(replicas),
      "--cluster-yes",
    );
    await waitHealthy();
    // Replicas must have synced before a test may kill a master and count on its replica.
    for (let i = 0; i < 200; i++) {
      const roles = await Promise.all(nodes.map((n) => cli(n.port, "info", "replication")));
      const syncing = roles.filter((r) => /role:slave/.test(r) && !/master_link_status:up/.test(r));
      if (
        roles.filter((r) => /role:slave/.test(r)).length === masters * replicas && !syncing.length
      ) {
        break;
      }
      await sleep(100);
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    url: `redis+cluster://${ports.map((p) => `127.0.0.1:${p}`).join(",")}`,
    nodes,
    async killMaster(key: string) {
      const live = nodes.find((n) => n.child)!;
      const slot = Number((await cli(live.port, "cluster", "keyslot", key)).trim());
      const c = new Cluster([{ host: "127.0.0.1", port: live.port }], { lazyConnect: true });
      try {
        const slots = await c.cluster("SLOTS");
        const owner = slots.find(([lo, hi]) => lo <= slot && slot <= hi)![2][1];
        await kill(nodes.find((n) => n.port === owner)!);
        return owner;
      } finally {
        c.disconnect();
      }
    },
    waitHealthy,
    stop,
  };
}

if (import.meta.main) {
  const rig = await startRedisCluster();
  console.log(rig.url);
  Deno.addSignalListener("SIGINT", () => rig.stop().then(() => Deno.exit(0)));
}
