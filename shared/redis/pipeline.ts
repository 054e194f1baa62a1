/**
 * Pipelines that a Redis Cluster can run. ioredis refuses a Cluster pipeline whose keys live on
 * more than one node, and ours mix keys by design (a batch's publish writes several gateways'
 * result streams, device acks and re-push schedules). `pipeline(redis)` records the commands,
 * sends one pipeline per node (grouped by the slot map the client knows; each command's own
 * keys must share a slot, which the key layout guarantees), side by side, and hands back the
 * results in call order, as ioredis does. On a single node it is ioredis' own pipeline.
 *
 * What is lost across groups is only what a pipeline never promised: commands of different
 * groups may run in any order relative to each other. Callers that need an order (acks after
 * deliveries) run two pipelines.
 */
import { type ChainableCommander, Command } from "ioredis";
import { type Cluster, isCluster, type Redis, type SingleRedis } from "./connect.ts";

export type Pipeline = ChainableCommander;
type Result = [Error | null, unknown];

export function pipeline(redis: Redis): Pipeline {
  return isCluster(redis) ? clusterPipeline(redis) : redis.pipeline();
}

/** Which node serves a command's slot (its first key's; keyless commands go with slot 0). */
export function groupOf(cluster: Cluster, name: string, args: unknown[]): string {
  const slot = slotOf(name, args);
  // The same grouping ioredis checks a Cluster pipeline against (its node set per slot).
  const groups = (cluster as unknown as { _groupsBySlot?: number[] })._groupsBySlot;
  return groups?.[slot] !== undefined ? `g:${groups[slot]}` : `slot:${slot}`;
}

/** Subcommand containers whose key comes after the subcommand (ioredis finds none). */
const KEY_AFTER_SUBCOMMAND = new Set(["xgroup", "xinfo", "object", "memory"]);

function keyless(name: string, args: unknown[]): boolean {
  return !/^call(Buffer)?$/.test(name) &&
    new Command(name, args as string[]).getKeys().length === 0;
}

/** The master connection a Cluster client uses for a key's slot, once it knows the slot map. */
export function nodeFor(cluster: Cluster, key: string): SingleRedis | undefined {
  const master = cluster.slots[slotOf("exists", [key])]?.[0];
  return cluster.nodes("master").find((n) => `${n.options.host}:${n.options.port}` === master);
}

export function slotOf(name: string, args: unknown[]): number {
  const cmd = new Command(name, args as string[]);
  if (cmd.getKeys().length) return cmd.getSlot() ?? 0;
  const lower = name.toLowerCase();
  if (KEY_AFTER_SUBCOMMAND.has(lower) && typeof args[1] === "string") {
    return new Command("exists", [args[1]]).getSlot() ?? 0;
  }
  return 0;
}

function clusterPipeline(cluster: Cluster): Pipeline {
  const queued: Array<{ name: string; args: unknown[] }> = [];
  const exec = async (): Promise<Result[]> => {
    const groups = new Map<string, number[]>();
    queued.forEach((c, i) => {
      // call("xadd", ...) and callBuffer(...) name their command first.
      const [name, args] = /^call(Buffer)?$/.test(c.name)
        ? [String(c.args[0]), c.args.slice(1)]
        : [c.name, c.args];
      const g = groupOf(cluster, name, args);
      groups.set(g, [...(groups.get(g) ?? []), i]);
    });
    const out: Result[] = new Array(queued.length);
    // A command ioredis finds no key in (XGROUP CREATE <key>) would go to a random node inside
    // a pipeline, where a MOVED reply is not followed; alone, it is.
    const single = queued.flatMap((c, i) => keyless(c.name, c.args) ? [i] : []);
    for (const [g, idx] of groups) groups.set(g, idx.filter((i) => !single.includes(i)));
    await Promise.all(single.map(async (i) => {
      const { name, args } = queued[i];
      out[i] = await (cluster.call(name, ...(args as string[])) as Promise<unknown>)
        .then((v): Result => [null, v], (e): Result => [e, null]);
    }));
    await Promise.all(
      [...groups.values()].filter((idx) => idx.length).map(async (idx) => {
        const cmds = idx.map((i) => [queued[i].name, ...queued[i].args] as string[]);
        try {
          const res = (await cluster.pipeline(cmds).exec()) ?? [];
          idx.forEach((i, j) => (out[i] = res[j] as Result));
        } catch (err) {
          // The whole group failed (the slot map moved under it, a node is down): each command
          // reports it, as ioredis reports per-command errors.
          const e = err instanceof Error ? err : new Error(String(err));
          for (const i of idx) out[i] = [e, null];
        }
      }),
    );
    // ioredis follows a MOVED inside a pipeline only when nothing in it wrote: learn the new
    // slot map now (a failover moved the slots), so the caller's retry goes to the new master.
    if (out.some(([e]) => e && /^(MOVED|CLUSTERDOWN)/.test(e.message))) {
      cluster.refreshSlotsCache();
    }
    return out;
  };
  const proxy: Pipeline = new Proxy({} as Pipeline, {
    get(_, prop) {
      if (prop === "exec") return exec;
      if (prop === "length") return queued.length;
      if (prop === "then") return undefined; // not a thenable
      if (typeof prop !== "string") return undefined;
      return (...args: unknown[]) => {
        queued.push({ name: prop, args: args.flat() });
        return proxy;
      };
    },
  });
  return proxy;
}
