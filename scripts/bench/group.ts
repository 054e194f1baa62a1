/**
 * `deno task bench --mode group`: G groups of M members, all online, at a fixed rate and flat
 * out; then the cost of one message to a large group (read diffusion, a fraction online)
 * against a 500-member one (write diffusion). Starts its own system (migrate, a gateway, a
 * worker) on its own database and key prefix, seeds users and groups in MySQL, drives them from
 * load-generator processes (group_load.ts), samples CPU from /proc, prints a table, writes a
 * JSON report and tears everything down.
 *
 *   deno task bench --mode group                          # all phases, defaults below
 *   deno task bench --mode group --phases flat --groups 40 --members 50 --duration 20
 *   deno task bench --mode group --phases cost --big 100000 --online 0.01 --cost-rate 20
 */
import { dropDatabase } from "@im/shared/db";
import { signAccessToken } from "../../gateway/auth/tokens.ts";
import type { GroupConn, GroupLoadResult, GroupLoadSpec } from "./group_load.ts";
import { formatGroupReport, type PhaseReport, phaseReport, targetsOf } from "./group_report.ts";
import { type SeededGroup, seedGroups } from "./group_setup.ts";
import { readLines } from "./lines.ts";
import { formatProfile, summarizeProfile } from "./profile.ts";
import type { GroupBenchOptions } from "./group_options.ts";
import { dropKeys, waitIdle } from "./group_system.ts";
import {
  findProcesses,
  freePort,
  machineInfo,
  machineTicks,
  OPEN_LIMITS,
  ProcGroup,
  type ProcUsage,
  spawnDeno,
  type Spawned,
  stopProcess,
  waitReady,
} from "./procs.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function runGroupBench(o: GroupBenchOptions) {
  const runId = crypto.getRandomValues(new Uint8Array(4)).toHex();
  const mysqlUrl = `mysql://root@127.0.0.1:3306/bench_${runId}`;
  const prefix = `bench${runId}:`;
  const dir = await Deno.makeTempDir({ prefix: "im-bench-group-" });
  const secret = crypto.getRandomValues(new Uint8Array(32)).toHex();
  const log = (s: string) => console.error(`bench[group]: ${s}`);
  log(`run ${runId}: database bench_${runId}, key prefix ${prefix}, logs in ${dir}`);
  const env: Record<string, string> = {
    ...Deno.env.toObject(),
    MYSQL_URL: mysqlUrl,
    KEY_PREFIX: prefix,
    JWT_SECRET: secret,
    LOG_LEVEL: "warn",
    ...OPEN_LIMITS,
    ACCESS_TTL_SEC: "86400",
    GROUP_MAX_MEMBERS: String(Math.max(2000, o.big)),
  };
  const system: Spawned[] = [];
  try {
    const migrate = spawnDeno(
      "migrate",
      ["run", "-A", `${ROOT}scripts/migrate.ts`],
      env,
      `${dir}/migrate.log`,
    );
    if (!(await migrate.status).success) throw new Error(`migrate failed (see ${dir})`);
    const port = await freePort(), workerPort = await freePort();
    const prof = (name: string) =>
      o.profileDir ? ["--cpu-prof", `--cpu-prof-dir=${o.profileDir}/${name}`] : [];
    const gateway = spawnDeno("gateway", [
      "run",
      "-A",
      ...prof("gateway"),
      `${ROOT}gateway/main.ts`,
    ], {
      ...env,
      PORT: String(port),
      HOST: "127.0.0.1",
      GATEWAY_ID: `bench-gw-${runId}`,
    }, `${dir}/gateway.log`);
    const worker = spawnDeno("worker", ["run", "-A", ...prof("worker"), `${ROOT}workers/main.ts`], {
      ...env,
      WORKER_PORT: String(workerPort),
      HOST: "127.0.0.1",
    }, `${dir}/worker.log`);
    system.push(gateway, worker);
    await waitReady(`http://127.0.0.1:${port}/readyz`, gateway);
    await waitReady(`http://127.0.0.1:${workerPort}/readyz`, worker);
    await sleep(2000); // the worker takes its partitions on its first rebalance

    const wantsCost = o.phases.includes("cost");
    const sizes = [
      ...Array(o.groups).fill(o.members),
      ...(wantsCost ? [o.big, 500, 500] : []),
    ];
    const seeded = await seedGroups(mysqlUrl, runId, sizes, log);
    const small = seeded.slice(0, o.groups);
    const [big, w500, w500few] = seeded.slice(o.groups);
    const token = (userId: string, i: number) =>
      signAccessToken(secret, { jwtIssuer: "im", jwtAudience: "im-clients", accessTtlSec: 86400 }, {
        userId,
        deviceId: `b${i}`,
        sessionId: crypto.getRandomValues(new Uint8Array(16)).toHex(),
      }).then((t) => t.token);
    const connsOf = async (g: SeededGroup, online: number, watch: boolean, senders: number) => {
      const out: GroupConn[] = [];
      const n = Math.max(1, Math.round(g.members.length * online));
      for (let i = 0; i < n; i++) {
        out.push({
          token: await token(g.members[i], i),
          conversationId: g.conversationId,
          send: i < senders,
          watch,
        });
      }
      return out;
    };
    const phase = async (name: string, conns: GroupConn[], rate: number, members: number) => {
      await waitIdle(prefix, log); // a phase must not pay for the backlog of the one before
      log(`${name}: ${conns.length} connections, ${rate ? `${rate} msgs/s` : "flat out"}`);
      return await runPhase(o, {
        name,
        conns,
        rate,
        members,
        port,
        dir,
        env,
        pids: [gateway.pid, worker.pid],
      });
    };

    const reports: PhaseReport[] = [];
    const smallConns = (await Promise.all(small.map((g) => connsOf(g, 1, false, o.senders))))
      .flat();
    if (o.phases.includes("rate")) reports.push(await phase("rate", smallConns, o.rate, o.members));
    if (o.phases.includes("flat")) reports.push(await phase("flat", smallConns, 0, o.members));
    if (wantsCost) {
      reports.push(
        await phase(`cost-${o.big}-read`, await connsOf(big, o.online, true, 1), o.costRate, o.big),
      );
      reports.push(
        await phase("cost-500-write-all", await connsOf(w500, 1, false, 1), o.costRate, 500),
      );
      reports.push(
        await phase(
          "cost-500-write-1pct",
          await connsOf(w500few, o.online, false, 1),
          o.costRate,
          500,
        ),
      );
    }
    const report = {
      schema: "im-bench-group/1",
      startedAt: new Date().toISOString(),
      machine: machineInfo(),
      options: o,
      phases: reports,
      targets: targetsOf(reports, o),
    };
    await Deno.mkdir(o.out.slice(0, o.out.lastIndexOf("/")) || ".", { recursive: true });
    await Deno.writeTextFile(o.out, JSON.stringify(report, null, 2) + "\n");
    console.log(formatGroupReport(report));
    console.log(`  report: ${o.out}`);
    return report;
  } finally {
    await Promise.all(system.map((p) => stopProcess(p)));
    if (o.profileDir) printProfiles(o.profileDir);
    await dropDatabase(mysqlUrl).catch((e) => log(`cleanup: ${e}`));
    await dropKeys(prefix).catch((e) => log(`cleanup: ${e}`));
  }
}

interface PhaseSetup {
  name: string;
  conns: GroupConn[];
  rate: number;
  members: number;
  port: number;
  dir: string;
  env: Record<string, string>;
  pids: number[];
}

async function runPhase(o: GroupBenchOptions, p: PhaseSetup): Promise<PhaseReport> {
  const procs = Math.max(1, Math.min(o.procs, p.conns.length));
  const loads = Array.from({ length: procs }, (_, k) => {
    const spec: GroupLoadSpec = {
      proc: k,
      hostname: "127.0.0.1",
      port: p.port,
      conns: p.conns.filter((_, i) => i % procs === k),
      rate: p.rate / procs,
      window: o.window,
      size: o.size,
      warmupMs: o.warmupSec * 1000,
      durationMs: o.durationSec * 1000,
      drainMs: 3000,
      ackMs: o.ackMs,
    };
    const file = `${p.dir}/${p.name}-${k}.json`;
    Deno.writeTextFileSync(file, JSON.stringify(spec));
    const proc = spawnDeno(
      `load-${k}`,
      ["run", "-A", new URL("./group_load.ts", import.meta.url).pathname, file],
      p.env,
      `${p.dir}/${p.name}-${k}.log`,
      { stdin: "piped", stdout: "piped" },
    );
    const lines = readLines(proc.child.stdout);
    // One iterator for both reads: leaving a for-await loop would close the stream.
    const next = async () => {
      for (let l = await lines.next(); !l.done; l = await lines.next()) {
        if (l.value.startsWith("{")) return JSON.parse(l.value);
      }
      throw new Error(`load generator ${k} exited (see ${p.dir}/${p.name}-${k}.log)`);
    };
    return { proc, next, stdin: proc.child.stdin.getWriter() };
  });
  try {
    const ready = await Promise.all(loads.map((l) => l.next()));
    const opened = ready.reduce((a, r) => a + r.opened, 0);
    for (const l of loads) await l.stdin.write(new TextEncoder().encode("go\n"));
    await sleep(o.warmupSec * 1000);
    const groups = [
      new ProcGroup("gateway", [p.pids[0]]),
      new ProcGroup("worker", [p.pids[1]]),
      new ProcGroup("generator", loads.map((l) => l.proc.pid)),
      new ProcGroup("redis", findProcesses(["redis-server"])),
      new ProcGroup("mysql", findProcesses(["mariadbd", "mysqld"])),
    ];
    const t0 = machineTicks();
    for (const g of groups) g.begin();
    await sleep(o.durationSec * 1000);
    const usage: Record<string, ProcUsage> = {};
    for (const g of groups) usage[g.name] = g.end();
    const t1 = machineTicks();
    const results = await Promise.all(loads.map((l) => l.next())) as GroupLoadResult[];
    const busyPct = Math.round(
      ((t1.busy - t0.busy) / Math.max(1, t1.total - t0.total)) * navigator.hardwareConcurrency *
        1000,
    ) / 10;
    return phaseReport(
      p.name,
      { conns: p.conns.length, opened, members: p.members, rate: p.rate },
      results,
      usage,
      busyPct,
      o.durationSec,
    );
  } finally {
    for (const l of loads) await stopProcess(l.proc, 3000);
  }
}

/** The newest profile of each process (the whole run: use it with one phase). */
function printProfiles(dir: string) {
  for (const name of ["gateway", "worker"]) {
    try {
      const files = [...Deno.readDirSync(`${dir}/${name}`)].map((f) => `${dir}/${name}/${f.name}`)
        .filter((f) => f.endsWith(".cpuprofile"))
        .sort((a, b) => Deno.statSync(b).mtime!.getTime() - Deno.statSync(a).mtime!.getTime());
      if (files[0]) console.log(formatProfile(name, summarizeProfile(files[0], 15)));
    } catch (err) {
      console.error(`bench[group]: no ${name} profile: ${err}`);
    }
  }
}
