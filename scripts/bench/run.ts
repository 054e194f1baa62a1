/**
 * One benchmark run, phase by phase, against a system it starts and always tears down: the
 * system under test, users and connections, the measurement window, the report.
 */
import { type LoadProc, loadSpecs, startGenerators } from "./generators.ts";
import { measure, rssKiB } from "./measure.ts";
import { type BenchOptions, readerCount, resolve } from "./options.ts";
import { type Spawned, stopProcess } from "./procs.ts";
import { type BenchReport, buildReport, summarizeProfiles } from "./report.ts";
import { cleanup, newRun, type Run, startSystem } from "./system.ts";
import { sleep } from "./ticker.ts";
import { createUsers, planConnections } from "./users.ts";

/** The running bench's teardown, for SIGINT/SIGTERM. */
let activeTeardown: (() => Promise<void>) | null = null;

/** Tears down the run in progress, if any (signal handlers call it before exiting). */
export async function teardownActive(): Promise<void> {
  await activeTeardown?.();
}

/** Processes a run started, in the order the teardown stops them (generators first). */
interface Started {
  loads: LoadProc[];
  system: Spawned[];
}

export async function runBench(opts: BenchOptions): Promise<BenchReport> {
  const o = resolve(opts);
  const startedAt = new Date().toISOString();
  const run = await newRun(o);
  const started: Started = { loads: [], system: [] };
  let cleaned = false;
  const teardown = async () => {
    if (cleaned) return;
    cleaned = true;
    await stopAll(started, 3000);
    await cleanup(run).catch((err) => run.log(`cleanup failed: ${err}`));
  };
  activeTeardown = teardown;
  try {
    return await phases(run, started, startedAt);
  } finally {
    await teardown();
    activeTeardown = null;
  }
}

async function phases(run: Run, started: Started, startedAt: string): Promise<BenchReport> {
  const { o } = run;
  const sys = await startSystem(run, started.system);

  const t0 = performance.now();
  const userIds = await createUsers(run, sys.gateways);
  const registerSec = (performance.now() - t0) / 1000;
  run.log(`${userIds.length} users in ${registerSec.toFixed(1)} s`);
  const conns = await planConnections(run, userIds, sys.gateways);
  if (o.mode === "idle") await sleep(2000);
  const baseline = sys.gateways.map((g) => rssKiB(g.proc.pid));
  const readies = await startGenerators(run, loadSpecs(run, conns), started.loads);

  const m = await measure(run, sys, started.loads, baseline);
  // Profiles are written as the processes exit, so the system stops before the report.
  await stopAll(started, 5000);
  const stopped = performance.now();

  const report = buildReport(o, {
    startedAt,
    readies,
    m,
    registerSec,
    probeConns: {
      history: readerCount(o),
      typing: o.typingRate > 0 ? conns.filter((c) => !c.reader && c.device === 0).length : 0,
    },
  });
  if (o.profileDir) {
    report.profile = summarizeProfiles(o.profileDir, {
      fromEndSec: (stopped - m.winStart) / 1000,
      toEndSec: (stopped - m.winEnd) / 1000,
    });
  }
  return report;
}

/** Generators first (SIGTERM, then SIGKILL after `loadGraceMs`), then the system. */
async function stopAll(s: Started, loadGraceMs: number): Promise<void> {
  for (const l of s.loads) await stopProcess(l.proc, loadGraceMs);
  await Promise.all(s.system.splice(0).map((p) => stopProcess(p)));
}
