/** The JSON report (schema im-bench/1): built from a run's parts, its targets, written to a file. */
import type { LoadResult, ProbeResult, ReadyEvent } from "./load_types.ts";
import type { HopTable } from "./hops.ts";
import type { Measurement } from "./measure.ts";
import type { BenchOptions, Mode } from "./options.ts";
import { machineInfo, type ProcUsage } from "./procs.ts";
import { type ProfileSummary, summarizeProfile } from "./profile.ts";
import { Histogram, type LatencySummary } from "./stats.ts";

export interface Target {
  name: string;
  target: string;
  value: number;
  met: boolean;
}

/** A probe over the window: requests (frames) scheduled, answered (received), unanswered. */
export interface ProbeReport {
  /** Requests (frames) per second asked for, in total. */
  rate: number;
  /** Connections the requests go round (history: readers; typing: each pair user's first device). */
  conns: number;
  sent: number;
  received: number;
  lost: number;
  latencyMs: LatencySummary;
}

export interface BenchReport {
  schema: "im-bench/1";
  mode: Mode;
  startedAt: string;
  finishedAt: string;
  machine: ReturnType<typeof machineInfo>;
  options: Omit<BenchOptions, "out">;
  setup: { users: number; conns: number; registerSec: number; connectSec: number };
  connections: { target: number; opened: number; failed: number; held: number; errors: string[] };
  throughput: {
    windowSec: number;
    sent: number;
    acked: number;
    delivered: number;
    deliveredFrames: number;
    sentPerSec: number;
    deliveredPerSec: number;
    /** CPU of gateway(s), worker, Redis and MariaDB per delivered message, in ms (0 when none). */
    serverCpuMsPerMsg: number;
  };
  latencyMs: {
    sendToAck: LatencySummary;
    sendToReceive: LatencySummary;
    /**
     * The generator's own part of both: its scheduled time -> the frame written (fixed rate only;
     * count 0 flat out). Latency counts from the scheduled time, so this is in the figures above.
     */
    generatorLate: LatencySummary;
  };
  /**
   * history: request -> history.page; typing: send -> receipt at each partner device. null when
   * the probe did not run.
   */
  probes: { history: ProbeReport | null; typing: ProbeReport | null };
  errors: {
    errorFrames: Record<string, number>;
    unexpectedCloses: number;
    unknownFrames: number;
    lost: number;
  };
  processes: Record<string, ProcUsage>;
  /** Per-hop latency of the window's frames, from the processes' own histograms (hops.ts). */
  hops: HopTable | null;
  /**
   * The whole machine over the window, in percent of one core (nproc x 100 is all of it);
   * `othersPct` is what processes outside the bench used: a noisy neighbour shows up here.
   */
  machineCpu: { busyPct: number; othersPct: number };
  idle: { baselineRssMiB: number; rssMiB: number; rssPerConnKiB: number } | null;
  floor: { deliveredPerSec: number; ratio: number; report: string } | null;
  targets: Target[];
  profile: Record<string, ProfileSummary> | null;
}

export interface RunParts {
  startedAt: string;
  readies: ReadyEvent[];
  m: Measurement;
  registerSec: number;
  /** Connections each probe goes round. */
  probeConns: { history: number; typing: number };
}

const sumOf = <T>(xs: T[], f: (x: T) => number) => xs.reduce((a, x) => a + f(x), 0);

export function buildReport(o: BenchOptions, r: RunParts): BenchReport {
  const results = r.m.results;
  const sum = (f: (x: LoadResult) => number) => sumOf(results, f);
  const windowSec = o.mode === "idle" ? 0 : o.durationSec;
  const per = (n: number) => windowSec ? Math.round(n / windowSec) : 0;
  const { out: _, ...options } = o;
  const report: BenchReport = {
    schema: "im-bench/1",
    mode: o.mode,
    startedAt: r.startedAt,
    finishedAt: new Date().toISOString(),
    machine: machineInfo(),
    options,
    setup: {
      users: o.users,
      conns: o.conns,
      registerSec: Math.round(r.registerSec * 10) / 10,
      connectSec: Math.max(...r.readies.map((x) => x.connectSec)),
    },
    connections: {
      // Probe readers included: every connection the generators were asked to open.
      target: o.conns + r.probeConns.history,
      opened: sumOf(r.readies, (x) => x.opened),
      failed: sumOf(r.readies, (x) => x.failed),
      held: sum((x) => x.held),
      errors: r.readies.flatMap((x) => x.errors).slice(0, 5),
    },
    throughput: {
      windowSec,
      sent: sum((x) => x.sent),
      acked: sum((x) => x.acked),
      delivered: sum((x) => x.delivered),
      deliveredFrames: sum((x) => x.deliveredFrames),
      sentPerSec: per(sum((x) => x.sent)),
      deliveredPerSec: per(sum((x) => x.delivered)),
      serverCpuMsPerMsg: serverCpuMs(r.m, sum((x) => x.delivered)),
    },
    latencyMs: {
      sendToAck: merged(results.map((x) => x.ack)),
      sendToReceive: merged(results.map((x) => x.e2e)),
      generatorLate: merged(results.map((x) => x.late)),
    },
    probes: {
      history: probeReport(o.historyRate, r.probeConns.history, results.map((x) => x.history)),
      typing: probeReport(o.typingRate, r.probeConns.typing, results.map((x) => x.typing)),
    },
    errors: {
      errorFrames: mergeCounts(results.map((x) => x.errorFrames)),
      unexpectedCloses: sum((x) => x.unexpectedCloses),
      unknownFrames: sum((x) => x.unknownFrames),
      lost: sum((x) => x.lost),
    },
    processes: r.m.processes,
    hops: r.m.hops,
    machineCpu: r.m.machineCpu,
    idle: r.m.idle,
    floor: null,
    targets: [],
    profile: null,
  };
  report.floor = floorComparison(o, report.throughput.deliveredPerSec);
  report.targets = targetsOf(report);
  return report;
}

const SERVER = ["gateway", "worker", "redis", "mysql"];

function serverCpuMs(m: Measurement, delivered: number): number {
  if (!delivered) return 0;
  const sec = SERVER.reduce((a, k) => a + (m.processes[k]?.cpuSec ?? 0), 0);
  return Math.round((sec * 1000 / delivered) * 1000) / 1000;
}

function merged(hs: LoadResult["ack"][]): LatencySummary {
  const h = new Histogram();
  for (const d of hs) h.merge(d);
  return h.summary();
}

function mergeCounts(xs: Array<Record<string, number>>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const x of xs) for (const [k, v] of Object.entries(x)) out[k] = (out[k] ?? 0) + v;
  return out;
}

function probeReport(
  rate: number,
  conns: number,
  xs: Array<ProbeResult | null>,
): ProbeReport | null {
  const ps = xs.filter((x): x is ProbeResult => x !== null);
  if (rate <= 0 || ps.length === 0) return null;
  return {
    rate,
    conns,
    sent: sumOf(ps, (x) => x.sent),
    received: sumOf(ps, (x) => x.received),
    lost: sumOf(ps, (x) => x.lost),
    latencyMs: merged(ps.map((x) => x.latency)),
  };
}

/** An e2e flat-out run given a floor report: its throughput as a fraction of the floor's. */
function floorComparison(o: BenchOptions, deliveredPerSec: number): BenchReport["floor"] {
  if (!o.floorReport || o.mode !== "e2e" || o.rate !== 0) return null;
  try {
    const f = JSON.parse(Deno.readTextFileSync(o.floorReport)) as BenchReport;
    const fl = f.throughput.deliveredPerSec;
    const ratio = fl ? Math.round((deliveredPerSec / fl) * 1000) / 1000 : 0;
    return { deliveredPerSec: fl, ratio, report: o.floorReport };
  } catch (err) {
    console.error(`bench: cannot read floor report ${o.floorReport}: ${err}`);
    return null;
  }
}

export function targetsOf(r: BenchReport): Target[] {
  const t: Target[] = [];
  const add = (name: string, target: string, value: number, met: boolean) =>
    t.push({ name, target, value, met });
  if (r.mode === "e2e" && r.options.rate === 0) {
    const v = r.throughput.deliveredPerSec;
    add("sustained delivered msgs/s", ">= 5000", v, v >= 5000);
  }
  if (r.mode === "e2e" && r.options.rate > 0 && r.options.rate <= 1000) {
    const v = r.latencyMs.sendToReceive.p99;
    add(`p99 send->receive at ${r.options.rate} msgs/s (ms)`, "<= 20", v, v <= 20);
  }
  const typing = r.probes.typing;
  if (typing && typing.rate <= 1000) {
    const v = typing.latencyMs.p99;
    add(`p99 typing send->receive at ${typing.rate} frames/s (ms)`, "< 5", v, v < 5);
  }
  if (r.floor) add("throughput / floor", ">= 0.5", r.floor.ratio, r.floor.ratio >= 0.5);
  if (r.idle) {
    const v = r.idle.rssPerConnKiB;
    add("gateway RSS per idle connection (KiB)", "<= 12", v, v <= 12);
    const held = r.connections.held;
    add("idle connections held", ">= 20000", held, held >= 20000);
  }
  return t;
}

/** Self time by area and function of each process's newest profile, cut to the window. */
export function summarizeProfiles(
  dir: string,
  window: { fromEndSec: number; toEndSec: number },
): Record<string, ProfileSummary> {
  const out: Record<string, ProfileSummary> = {};
  try {
    for (const d of Deno.readDirSync(dir)) {
      if (!d.isDirectory) continue;
      const files = [...Deno.readDirSync(`${dir}/${d.name}`)]
        .filter((f) => f.name.endsWith(".cpuprofile"))
        .map((f) => `${dir}/${d.name}/${f.name}`)
        .sort((a, b) => Deno.statSync(b).mtime!.getTime() - Deno.statSync(a).mtime!.getTime());
      if (files[0]) out[d.name] = summarizeProfile(files[0], 15, window);
    }
  } catch { /* no profiles */ }
  return out;
}

export async function writeReport(r: BenchReport, out: string): Promise<void> {
  const d = out.includes("/") ? out.slice(0, out.lastIndexOf("/")) : ".";
  await Deno.mkdir(d, { recursive: true });
  await Deno.writeTextFile(out, JSON.stringify(r, null, 2) + "\n");
}
