/**
 * The measurement window: CPU and RSS of every process of the bench and the stores (from /proc),
 * the whole machine's CPU (so a noisy neighbour shows up), and the generators' results. Idle runs
 * hold their connections and take the gateways' RSS; traffic runs send "go" and wait for the
 * generators' results (warm-up, window, drain).
 */
import type { LoadProc } from "./generators.ts";
import { type HopTable, hopTable, scrapeAll } from "./hops.ts";
import type { LoadResult } from "./load_types.ts";
import { findProcesses, machineTicks, ProcGroup, type ProcUsage } from "./procs.ts";
import type { System } from "./system.ts";
import type { Run } from "./system.ts";
import { sleep } from "./ticker.ts";

export interface IdleMemory {
  baselineRssMiB: number;
  rssMiB: number;
  rssPerConnKiB: number;
}

export interface Measurement {
  results: LoadResult[];
  processes: Record<string, ProcUsage>;
  /** Percent of one core over the window; `othersPct` is what the bench's processes did not use. */
  machineCpu: { busyPct: number; othersPct: number };
  idle: IdleMemory | null;
  /** Where the window's messages spent their time (null for idle and floor runs). */
  hops: HopTable | null;
  /** performance.now() at the window's ends (to cut CPU profiles to it). */
  winStart: number;
  winEnd: number;
}

export function rssKiB(pid: number): number {
  const s = Deno.readTextFileSync(`/proc/${pid}/status`);
  return Number(/VmRSS:\s+(\d+)/.exec(s)?.[1] ?? 0);
}

/** `baselineKiB`: the gateways' RSS before any connection (idle runs compare against it). */
export async function measure(
  run: Run,
  sys: System,
  loads: LoadProc[],
  baselineKiB: number[],
): Promise<Measurement> {
  const { o } = run;
  const groups = [
    new ProcGroup("gateway", sys.gateways.map((g) => g.proc.pid)),
    new ProcGroup(
      o.mode === "floor" ? "floor-consumer" : "worker",
      sys.workers.map((w) => w.proc.pid),
    ),
    new ProcGroup("generator", loads.map((l) => l.proc.pid)),
    new ProcGroup("redis", findProcesses(["redis-server"])),
    new ProcGroup("mysql", findProcesses(["mariadbd", "mysqld"])),
  ];
  const metricsUrls = sys.workerPort
    ? [
      ...sys.gateways.map((g) => `http://127.0.0.1:${g.port}/metrics`),
      ...sys.workers.map((w) => `http://127.0.0.1:${w.port}/metrics`),
    ]
    : [];
  const begin = () => {
    for (const g of groups) g.begin();
    return { t: performance.now(), ticks: machineTicks() };
  };
  try {
    let w0, results: LoadResult[], idle: IdleMemory | null = null, hops: HopTable | null = null;
    if (o.mode === "idle") {
      await sleep(2000); // let the gateway settle after the connection burst
      w0 = begin();
      run.log(`holding connections for ${o.durationSec} s`);
      await sleep(o.durationSec * 1000);
      const rss = sys.gateways.map((g) => rssKiB(g.proc.pid));
      for (const l of loads) await l.send("stop");
      results = await Promise.all(loads.map((l) => l.result));
      idle = idleMemory(baselineKiB, rss, results.reduce((a, r) => a + r.held, 0));
    } else {
      for (const l of loads) await l.send("go");
      await sleep(o.warmupSec * 1000);
      const scraped = metricsUrls.length ? scrapeAll(metricsUrls) : null;
      w0 = begin();
      run.log(`measuring for ${o.durationSec} s`);
      await sleep(o.durationSec * 1000);
      // Scraped at the window's end, not after the drain: the table holds the window's frames.
      const after = metricsUrls.length ? await scrapeAll(metricsUrls) : null;
      if (scraped && after) hops = hopTable(await scraped, after);
      results = await Promise.all(loads.map((l) => l.result));
    }
    const winEnd = performance.now(), ticks1 = machineTicks();
    const processes: Record<string, ProcUsage> = {};
    for (const g of groups.splice(0)) processes[g.name] = g.end();
    const machineCpu = machineShare(w0.ticks, ticks1, processes);
    return { results, processes, machineCpu, idle, hops, winStart: w0.t, winEnd };
  } finally {
    for (const g of groups) g.end(); // only when the window failed: stops the RSS polls
  }
}

function idleMemory(baselineKiB: number[], rssKiB: number[], held: number): IdleMemory {
  const base = baselineKiB.reduce((a, b) => a + b, 0), now = rssKiB.reduce((a, b) => a + b, 0);
  return {
    baselineRssMiB: Math.round(base / 102.4) / 10,
    rssMiB: Math.round(now / 102.4) / 10,
    rssPerConnKiB: held ? Math.round(((now - base) / held) * 100) / 100 : 0,
  };
}

function machineShare(
  t0: { busy: number; total: number },
  t1: { busy: number; total: number },
  processes: Record<string, ProcUsage>,
): Measurement["machineCpu"] {
  const cores = navigator.hardwareConcurrency;
  const busyPct =
    Math.round(((t1.busy - t0.busy) / Math.max(1, t1.total - t0.total)) * cores * 1000) /
    10;
  const ours = Object.values(processes).reduce((a, p) => a + p.cpuPct, 0);
  return { busyPct, othersPct: Math.max(0, Math.round((busyPct - ours) * 10) / 10) };
}
