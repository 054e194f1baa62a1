/**
 * What one batch costs the worker alone, with nothing else busy (no gateway, no generator): the
 * real BatchProcessor on real MariaDB and Redis commits and publishes `n` one-entry batches of
 * msg.send and `n` of msg.delivered, one after another, and reports each kind's wall time and
 * this process's CPU per batch. With `--cpu-prof` it shows where that CPU goes; against the
 * bench's commit and publish hops it shows what the rest of a loaded machine adds.
 *
 *   deno run -A scripts/bench/batch_cost.ts [--n 2000]
 */
import process from "node:process";
import { testEnv } from "@im/shared/testing";
import {
  createUsers,
  entryOf,
  envelope,
  processorFor,
  sendEntry,
} from "../../workers/test_support.ts";
import type { Entry } from "../../workers/context.ts";
import { directId } from "./load_types.ts";

export interface BatchCost {
  kind: "send" | "delivered";
  batches: number;
  wallP50Ms: number;
  wallP90Ms: number;
  /** This process's user + system CPU per batch (the worker's side only; not MariaDB's). */
  cpuMsPerBatch: number;
}

export async function batchCost(n: number): Promise<BatchCost[]> {
  const env = await testEnv();
  try {
    const [a, b] = await createUsers(env, "alice", "bob");
    const { processor } = processorFor(env);
    const stream = env.keys.partition(0);
    const conversationId = directId(a, b);
    const kinds: Record<BatchCost["kind"], (i: number) => Entry> = {
      send: (i) => sendEntry(a, b, `m${i}`, "x".repeat(100)),
      // Bob's device acks each message as it arrives, as the SDK does when it is read at once.
      delivered: (i) =>
        entryOf(envelope(b, { type: "msg.delivered", data: { conversationId, seq: i + 1 } })),
    };
    const walls = { send: [] as number[], delivered: [] as number[] };
    const cpuMs = { send: 0, delivered: 0 };
    for (let i = 0; i < n; i++) {
      for (const k of ["send", "delivered"] as const) {
        const e = kinds[k](i);
        const c0 = process.cpuUsage();
        const t0 = performance.now();
        const r = await processor.process(stream, 0, 1, [e]);
        walls[k].push(performance.now() - t0);
        const c = process.cpuUsage(c0);
        cpuMs[k] += (c.user + c.system) / 1000;
        if (r.rejected) throw new Error(`${k} ${i} was rejected`);
      }
    }
    return (["send", "delivered"] as const).map((kind) => {
      const w = walls[kind].sort((x, y) => x - y);
      const q = (p: number) => Math.round(w[Math.floor(p * (w.length - 1))] * 1000) / 1000;
      const cpu = Math.round((cpuMs[kind] / n) * 1000) / 1000;
      return { kind, batches: n, wallP50Ms: q(0.5), wallP90Ms: q(0.9), cpuMsPerBatch: cpu };
    });
  } finally {
    await env.close();
  }
}

if (import.meta.main) {
  const at = Deno.args.indexOf("--n");
  const n = at >= 0 ? Number(Deno.args[at + 1]) : 2000;
  for (const c of await batchCost(n)) {
    console.log(
      `${c.kind}: ${c.batches} batches of one entry, wall p50 ${c.wallP50Ms} ms, p90 ` +
        `${c.wallP90Ms} ms; worker CPU ${c.cpuMsPerBatch} ms per batch`,
    );
  }
}
