/**
 * `deno task bench`: starts a fresh system (migrate, gateways, worker) on its own database and
 * key prefix, drives it from separate load-generator processes, samples every process's CPU and
 * RSS from /proc, prints a table, writes a JSON report and tears everything down.
 *
 *   deno task bench --mode e2e --users 200 --duration 20            # flat out
 *   deno task bench --mode e2e --users 200 --rate 1000 --duration 20
 *   deno task bench --mode floor --users 200 --duration 20          # the stores' floor
 *   deno task bench --mode idle --conns 19500                       # RSS per idle connection
 *   deno task bench --mode all                                      # the four above
 *
 * See docs/BENCHMARKS.md for the method and the figures.
 */
import { Redis } from "ioredis";
import { createDb, dropDatabase } from "@im/shared/db";
import { signAccessToken } from "../../gateway/auth/tokens.ts";
import type { ConnSpec, LoadResult, LoadSpec, ReadyEvent } from "./load.ts";
import { readLines } from "./lines.ts";
import {
  findProcesses,
  freePort,
  machineInfo,
  machineTicks,
  ProcGroup,
  type ProcUsage,
  spawnDeno,
  type Spawned,
  stopProcess,
  waitReady,
} from "./procs.ts";
import { formatProfile, type ProfileSummary, summarizeProfile } from "./profile.ts";
import { Histogram, type LatencySummary } from "./stats.ts";
import type { ClientKind } from "./ws_client.ts";
import { runGroupBench } from "./group.ts";
import { isGroupMode, parseGroupArgs } from "./group_options.ts";

export type Mode = "e2e" | "floor" | "idle";

export interface BenchOptions {
  mode: Mode;
  users: number;
  conns: number;
  /** Messages per second in total; 0 = flat out. */
  rate: number;
  durationSec: number;
  warmupSec: number;
  size: number;
  gateways: number;
  window: number;
  procs: number;
  client: ClientKind;
  batchSize: number;
  partitions: number;
  /** Loopback addresses 127.0.0.1..N that connections are spread over (ports per address). */
  hosts: number;
  redisUrl: string;
  mysqlServer: string;
  logLevel: string;
  profileDir: string | null;
  floorReport: string | null;
  out: string;
  /** Delivery acks every N ms per connection (0: none, so every message is re-pushed). */
  ackMs: number;
}

export interface Target {
  name: string;
  target: string;
  value: number;
  met: boolean;
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
  };
  latencyMs: { sendToAck: LatencySummary; sendToReceive: LatencySummary };
  errors: {
    errorFrames: Record<string, number>;
    unexpectedCloses: number;
    unknownFrames: number;
    lost: number;
  };
  processes: Record<string, ProcUsage>;
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

const DEFAULTS: BenchOptions = {
  mode: "e2e",
  users: 100,
  conns: 0,
  rate: 0,
  durationSec: 20,
  warmupSec: 3,
  size: 100,
  gateways: 1,
  window: 16,
  ackMs: 50,
  procs: 0,
  client: "raw",
  batchSize: 200,
  partitions: 16,
  hosts: 0,
  redisUrl: "redis://127.0.0.1:6379",
  mysqlServer: "mysql://root@127.0.0.1:3306",
  logLevel: "warn",
  profileDir: null,
  floorReport: null,
  out: "",
};

const USAGE = `deno task bench [options]
  --mode e2e|floor|idle|all  what to measure (default e2e; all = floor, e2e flat out,
                             e2e at 1000 msgs/s, idle)
  --users N        users registered (default 100; pairs of users talk 1:1)
  --conns N        connections (default: users; idle: 19900); extra ones are more devices
  --rate N         total msgs/s, 0 = flat out (default 0)
  --window N       flat out: messages in flight per connection (default 16)
  --ack-ms N       receivers ack delivery (msg.delivered) every N ms, as the SDK does;
                   0 = never, so the server re-pushes every message (default 50)
  --duration S     measured seconds (default 20), after --warmup S (default 3)
  --size B         message body bytes (default 100)
  --gateways N     gateway processes (default 1)
  --procs N        load-generator processes (default 1; idle: one per 9000 connections)
  --client raw|ws  WebSocket client: raw RFC 6455 over Deno.connect, or npm ws (default raw)
  --batch N        worker BATCH_SIZE (default 200)
  --hosts N        spread connections over 127.0.0.1..N (default: one per 15000 connections)
  --profile DIR    run gateway and worker with --cpu-prof into DIR and summarize
  --floor FILE     a floor report to compare this e2e run against
  --out FILE       JSON report (default bench-results/<mode>-<time>.json)
  --log-level L    gateway/worker log level (default warn)`;

export function parseArgs(args: string[]): BenchOptions & { all: boolean } {
  const o: BenchOptions & { all: boolean } = { ...DEFAULTS, all: false };
  const num = (v: string, name: string) => {
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0) throw new Error(`--${name} needs a number >= 0`);
    return n;
  };
  for (let i = 0; i < args.length; i++) {
    const [flag, inline] = args[i].split("=", 2);
    const val = () => inline ?? args[++i] ?? "";
    switch (flag) {
      case "--mode": {
        const m = val();
        if (m === "all") o.all = true;
        else if (m === "e2e" || m === "floor" || m === "idle") o.mode = m;
        else throw new Error(`unknown mode ${m}`);
        break;
      }
      case "--users":
        o.users = num(val(), "users");
        break;
      case "--conns":
        o.conns = num(val(), "conns");
        break;
      case "--rate":
        o.rate = num(val(), "rate");
        break;
      case "--window":
        o.window = Math.max(1, num(val(), "window"));
        break;
      case "--ack-ms":
        o.ackMs = Math.max(0, num(val(), "ack-ms"));
        break;
      case "--duration":
        o.durationSec = num(val(), "duration");
        break;
      case "--warmup":
        o.warmupSec = num(val(), "warmup");
        break;
      case "--size":
        o.size = Math.max(1, num(val(), "size"));
        break;
      case "--gateways":
        o.gateways = Math.max(1, num(val(), "gateways"));
        break;
      case "--procs":
        o.procs = num(val(), "procs");
        break;
      case "--client": {
        const c = val();
        if (c !== "raw" && c !== "ws") throw new Error("--client is raw or ws");
        o.client = c;
        break;
      }
      case "--batch":
        o.batchSize = Math.max(1, num(val(), "batch"));
        break;
      case "--hosts":
        o.hosts = Math.min(254, num(val(), "hosts"));
        break;
      case "--profile":
        o.profileDir = val();
        break;
      case "--floor":
        o.floorReport = val();
        break;
      case "--out":
        o.out = val();
        break;
      case "--log-level":
        o.logLevel = val();
        break;
      case "--help":
      case "-h":
        console.log(USAGE);
        Deno.exit(0);
        break;
      default:
        throw new Error(`unknown option ${args[i]}\n${USAGE}`);
    }
  }
  return o;
}

/** Fills the defaults that depend on the mode. */
export function resolve(o: BenchOptions): BenchOptions {
  const r = { ...o };
  if (r.users < 2) r.users = 2;
  if (r.users % 2) r.users++;
  if (!r.conns) r.conns = r.mode === "idle" ? 19_900 : r.users;
  if (r.conns < r.users && r.mode !== "idle") r.conns = r.users;
  if (!r.procs) r.procs = r.mode === "idle" ? Math.ceil(r.conns / 9000) : 1;
  if (!r.hosts) r.hosts = Math.max(1, Math.ceil(r.conns / 15_000));
  if (!r.out) {
    const t = new Date().toISOString().replace(/[:.]/g, "-");
    r.out = `bench-results/${r.mode}${r.mode === "e2e" && r.rate ? `-${r.rate}` : ""}-${t}.json`;
  }
  return r;
}

const ROOT = new URL("../../", import.meta.url).pathname;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface LoadProc {
  proc: Spawned;
  ready: Promise<ReadyEvent>;
  result: Promise<LoadResult>;
  send(line: string): Promise<void>;
}

function startLoadProc(spec: LoadSpec, dir: string, env: Record<string, string>): LoadProc {
  const specFile = `${dir}/load-${spec.proc}.json`;
  Deno.writeTextFileSync(specFile, JSON.stringify(spec));
  const proc = spawnDeno(
    `load-${spec.proc}`,
    ["run", "-A", new URL("./load.ts", import.meta.url).pathname, specFile],
    env,
    `${dir}/load-${spec.proc}.log`,
    { stdin: "piped", stdout: "piped" },
  );
  let onReady!: (e: ReadyEvent) => void, onResult!: (r: LoadResult) => void;
  let fail!: (e: Error) => void;
  const ready = new Promise<ReadyEvent>((res, rej) => {
    onReady = res;
    fail = rej;
  });
  let failResult!: (e: Error) => void;
  const result = new Promise<LoadResult>((res, rej) => {
    onResult = res;
    failResult = rej;
  });
  result.catch(() => {});
  ready.catch(() => {});
  (async () => {
    for await (const line of readLines(proc.child.stdout)) {
      if (!line.startsWith("{")) continue;
      const ev = JSON.parse(line);
      if (ev.event === "ready") onReady(ev);
      if (ev.event === "result") onResult(ev);
    }
    const err = new Error(`load generator ${spec.proc} exited (see ${dir}/load-${spec.proc}.log)`);
    fail(err);
    failResult(err);
  })();
  const writer = proc.child.stdin.getWriter();
  return {
    proc,
    ready,
    result,
    send: (line) => writer.write(new TextEncoder().encode(line + "\n")).catch(() => {}),
  };
}

/** Runs one benchmark against a system it starts and always tears down. */
export async function runBench(opts: BenchOptions): Promise<BenchReport> {
  const o = resolve(opts);
  const startedAt = new Date().toISOString();
  const runId = crypto.getRandomValues(new Uint8Array(4)).toHex();
  const dbName = `bench_${runId}`;
  const prefix = `bench${runId}:`;
  const mysqlUrl = `${o.mysqlServer.replace(/\/$/, "")}/${dbName}`;
  const dir = await Deno.makeTempDir({ prefix: "im-bench-" });
  const jwtSecret = crypto.getRandomValues(new Uint8Array(32)).toHex();
  const log = (msg: string) => console.error(`bench[${o.mode}]: ${msg}`);
  log(`run ${runId}: database ${dbName}, key prefix ${prefix}, logs in ${dir}`);

  const env: Record<string, string> = {
    ...Deno.env.toObject(),
    REDIS_URL: o.redisUrl,
    MYSQL_URL: mysqlUrl,
    KEY_PREFIX: prefix,
    JWT_SECRET: jwtSecret,
    LOG_LEVEL: o.logLevel,
    PARTITIONS: String(o.partitions),
    BATCH_SIZE: String(o.batchSize),
    RATE_LIMIT_PER_SEC: "1000000",
    RATE_LIMIT_BURST: "1000000",
    RATE_LIMIT_ABUSE: "1000000",
    // Idle runs hold hundreds of devices per user.
    MAX_DEVICES_PER_USER: "1000000",
    // The bench registers all its users from one address.
    REGISTER_MAX_PER_IP: "1000000",
    MAX_BODY_CHARS: String(Math.max(5000, o.size)),
    MAX_FRAME_BYTES: String(Math.max(65536, o.size + 4096)),
    ACCESS_TTL_SEC: "86400",
    LOGIN_MAX_FAILURES_PER_IP: "100000",
  };
  const system: Spawned[] = [];
  const loads: LoadProc[] = [];
  const groups: ProcGroup[] = [];
  let cleaned = false;
  const teardown = async () => {
    if (cleaned) return;
    cleaned = true;
    for (const g of groups) g.end();
    for (const l of loads) await stopProcess(l.proc, 3000);
    await Promise.all(system.map((p) => stopProcess(p)));
    await cleanup(o, mysqlUrl, prefix).catch((err) => log(`cleanup failed: ${err}`));
  };
  activeTeardown = teardown;
  const profFlags = (name: string) =>
    o.profileDir ? ["--cpu-prof", `--cpu-prof-dir=${o.profileDir}/${name}`] : [];
  try {
    // 1. Schema.
    const migrate = spawnDeno(
      "migrate",
      ["run", "-A", `${ROOT}scripts/migrate.ts`],
      env,
      `${dir}/migrate.log`,
    );
    const st = await migrate.status;
    if (!st.success) throw new Error(`migrate failed (see ${dir}/migrate.log)`);

    // 2. The system under test.
    const gateways: Array<{ port: number; proc: Spawned }> = [];
    let workerProc: Spawned;
    if (o.mode === "floor") {
      workerProc = spawnDeno(
        "floor-consumer",
        ["run", "-A", new URL("./floor.ts", import.meta.url).pathname],
        env,
        `${dir}/floor-consumer.log`,
      );
      system.push(workerProc);
    } else {
      for (let g = 0; g < o.gateways; g++) {
        const port = await freePort();
        const proc = spawnDeno("gateway", [
          "run",
          "-A",
          ...profFlags(`gateway-${g}`),
          `${ROOT}gateway/main.ts`,
        ], {
          ...env,
          PORT: String(port),
          GATEWAY_ID: `bench-gw-${g}`,
          // One address unless connections are spread over several loopback addresses.
          HOST: o.hosts > 1 ? "0.0.0.0" : "127.0.0.1",
          PUBLIC_WS_URL: `ws://127.0.0.1:${port}/ws`,
        }, `${dir}/gateway-${g}.log`);
        system.push(proc);
        gateways.push({ port, proc });
      }
      const workerPort = await freePort();
      workerProc = spawnDeno(
        "worker",
        ["run", "-A", ...profFlags("worker"), `${ROOT}workers/main.ts`],
        { ...env, WORKER_PORT: String(workerPort), HOST: "127.0.0.1" },
        `${dir}/worker.log`,
      );
      system.push(workerProc);
      for (const g of gateways) await waitReady(`http://127.0.0.1:${g.port}/readyz`, g.proc);
      await waitReady(`http://127.0.0.1:${workerPort}/readyz`, workerProc);
      // Wait until the worker holds every partition (leases are taken on its first rebalance).
      const until = Date.now() + 15_000;
      while (Date.now() < until) {
        const r = await fetch(`http://127.0.0.1:${workerPort}/readyz`).then((r) => r.json())
          .catch(() => ({}));
        if ((r.partitions?.length ?? 0) >= o.partitions) break;
        await sleep(200);
      }
    }

    // 3. Users: registered over HTTP. Floor (no gateway) and idle (the gateway's memory must
    // not carry argon2's 19 MiB hashing buffers into the baseline) insert them directly.
    const t0 = performance.now();
    const userIds = await createUsers(
      o,
      runId,
      o.mode === "e2e" ? gateways.map((g) => g.port) : [],
      mysqlUrl,
    );
    const registerSec = (performance.now() - t0) / 1000;
    log(`${userIds.length} users in ${registerSec.toFixed(1)} s`);

    // 4. Connections: conn i is device i/users of user i%users; pairs (2k, 2k+1) talk.
    const conns: Array<ConnSpec & { group: number }> = [];
    for (let i = 0; i < o.conns; i++) {
      const u = i % o.users;
      const partner = u ^ 1;
      const gw = gateways.length ? gateways[i % gateways.length] : null;
      conns.push({
        userId: userIds[u],
        partner: userIds[partner],
        hostname: `127.0.0.${1 + (i % o.hosts)}`,
        port: gw?.port ?? 0,
        token: o.mode === "floor" ? "" : (await signAccessToken(jwtSecret, {
          jwtIssuer: "im",
          jwtAudience: "im-clients",
          accessTtlSec: 86400,
        }, {
          userId: userIds[u],
          deviceId: `bench${i}`,
          sessionId: crypto.getRandomValues(new Uint8Array(16)).toHex(),
        })).token,
        // Both sides of a pair live in one generator: latency needs the sender's clock entry.
        group: (u >> 1) % o.procs,
      });
    }
    if (o.mode === "idle") await sleep(2000);
    const baseline = gateways.map((g) => snapshotRss(g.proc.pid));
    const perProcRate = o.rate / o.procs;
    for (let p = 0; p < o.procs; p++) {
      const spec: LoadSpec = {
        role: o.mode === "idle" ? "idle" : "e2e",
        proc: p,
        client: o.mode === "floor" ? "floor" : o.client,
        conns: conns.filter((c) => c.group === p).map(({ group: _, ...c }) => c),
        floor: { redisUrl: o.redisUrl, prefix, partitions: o.partitions },
        rate: perProcRate,
        window: o.window,
        size: o.size,
        warmupMs: o.warmupSec * 1000,
        durationMs: o.durationSec * 1000,
        drainMs: 5000,
        connectConcurrency: o.mode === "idle" ? 256 : 64,
        heartbeatSec: 25,
        ackMs: o.ackMs,
      };
      loads.push(startLoadProc(spec, dir, env));
    }
    const readies = await Promise.all(loads.map((l) => l.ready));
    const opened = readies.reduce((a, r) => a + r.opened, 0);
    const failed = readies.reduce((a, r) => a + r.failed, 0);
    const connectSec = Math.max(...readies.map((r) => r.connectSec));
    log(`${opened}/${o.conns} connections open in ${connectSec} s (${failed} failed)`);
    if (opened === 0) throw new Error(`no connection opened: ${readies[0]?.errors.join("; ")}`);

    // 5. Measure.
    const storePids = {
      redis: findProcesses(["redis-server"]),
      mysql: findProcesses(["mariadbd", "mysqld"]),
    };
    groups.push(
      new ProcGroup("gateway", gateways.map((g) => g.proc.pid)),
      new ProcGroup(o.mode === "floor" ? "floor-consumer" : "worker", [workerProc.pid]),
      new ProcGroup("generator", loads.map((l) => l.proc.pid)),
      new ProcGroup("redis", storePids.redis),
      new ProcGroup("mysql", storePids.mysql),
    );
    let results: LoadResult[];
    let winStart = performance.now();
    let ticks0 = machineTicks();
    let idle: BenchReport["idle"] = null;
    if (o.mode === "idle") {
      await sleep(2000); // let the gateway settle after the connection burst
      for (const g of groups) g.begin();
      winStart = performance.now();
      ticks0 = machineTicks();
      log(`holding ${opened} connections for ${o.durationSec} s`);
      await sleep(o.durationSec * 1000);
      const rss = gateways.map((g) => snapshotRss(g.proc.pid));
      for (const l of loads) await l.send("stop");
      results = await Promise.all(loads.map((l) => l.result));
      const held = results.reduce((a, r) => a + r.held, 0);
      const base = baseline.reduce((a, b) => a + b, 0), now = rss.reduce((a, b) => a + b, 0);
      idle = {
        baselineRssMiB: Math.round(base / 102.4) / 10,
        rssMiB: Math.round(now / 102.4) / 10,
        rssPerConnKiB: held ? Math.round(((now - base) / held) * 100) / 100 : 0,
      };
    } else {
      for (const l of loads) await l.send("go");
      await sleep(o.warmupSec * 1000);
      for (const g of groups) g.begin();
      winStart = performance.now();
      ticks0 = machineTicks();
      log(`measuring for ${o.durationSec} s`);
      await sleep(o.durationSec * 1000);
      results = await Promise.all(loads.map((l) => l.result));
    }
    const winEnd = performance.now();
    const ticks1 = machineTicks();
    const processes: Record<string, ProcUsage> = {};
    for (const g of groups.splice(0)) processes[g.name] = g.end();
    const cores = navigator.hardwareConcurrency;
    const busyPct = Math.round(
      ((ticks1.busy - ticks0.busy) / Math.max(1, ticks1.total - ticks0.total)) * cores * 1000,
    ) / 10;
    const ours = Object.values(processes).reduce((a, p) => a + p.cpuPct, 0);
    const machineCpu = { busyPct, othersPct: Math.max(0, Math.round((busyPct - ours) * 10) / 10) };

    // 6. Tear down the system (profiles are written as the processes exit).
    for (const l of loads) await stopProcess(l.proc, 5000);
    await Promise.all(system.splice(0).map((p) => stopProcess(p)));
    const stopped = performance.now();

    const report = buildReport(o, {
      startedAt,
      results,
      readies,
      processes,
      machineCpu,
      idle,
      registerSec,
      connectSec,
    });
    if (o.profileDir) {
      report.profile = summarizeProfiles(o.profileDir, {
        fromEndSec: (stopped - winStart) / 1000,
        toEndSec: (stopped - winEnd) / 1000,
      });
    }
    return report;
  } finally {
    await teardown();
    activeTeardown = null;
  }
}

/** The running bench's teardown, for SIGINT/SIGTERM. */
let activeTeardown: (() => Promise<void>) | null = null;

function snapshotRss(pid: number): number {
  const s = Deno.readTextFileSync(`/proc/${pid}/status`);
  return Number(/VmRSS:\s+(\d+)/.exec(s)?.[1] ?? 0);
}

async function createUsers(
  o: BenchOptions,
  runId: string,
  ports: number[],
  mysqlUrl: string,
): Promise<string[]> {
  const names = Array.from({ length: o.users }, (_, i) => `b${runId}_${i}`);
  if (ports.length === 0) {
    const db = createDb(mysqlUrl, 1);
    try {
      const ids: string[] = [];
      for (let i = 0; i < names.length; i += 500) {
        const chunk = names.slice(i, i + 500);
        await db.insertInto("users").values(chunk.map((username) => ({
          username,
          password_hash: "-",
          nickname: username,
          created_at: Date.now(),
        }))).execute();
      }
      const rows = await db.selectFrom("users").select(["id", "username"])
        .where("username", "in", names).execute();
      const byName = new Map(rows.map((r) => [r.username, String(r.id)]));
      for (const n of names) ids.push(byName.get(n)!);
      return ids;
    } finally {
      await db.destroy();
    }
  }
  // Registration hashes a password (argon2id, ~70 ms of gateway CPU): a few at a time per gateway.
  const ids: string[] = new Array(names.length);
  let next = 0;
  const password = "bench-password-1";
  await Promise.all(Array.from({ length: ports.length * 2 }, async (_, w) => {
    const port = ports[w % ports.length];
    while (next < names.length) {
      const i = next++;
      const res = await fetch(`http://127.0.0.1:${port}/v1/auth/register`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ username: names[i], password }),
      });
      const body = await res.json();
      if (res.status !== 201) throw new Error(`register: ${res.status} ${JSON.stringify(body)}`);
      ids[i] = String(body.userId);
    }
  }));
  // One real login checks the flow the minted tokens stand in for.
  const res = await fetch(`http://127.0.0.1:${ports[0]}/v1/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username: names[0], password }),
  });
  const body = await res.json();
  if (res.status !== 200 || body.userId !== ids[0] || !body.wsUrl) {
    throw new Error(`login: ${res.status} ${JSON.stringify(body)}`);
  }
  return ids;
}

async function cleanup(o: BenchOptions, mysqlUrl: string, prefix: string) {
  await dropDatabase(mysqlUrl);
  const redis = new Redis(o.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    let cursor = "0";
    do {
      const [c, keys] = await redis.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 1000);
      cursor = c;
      if (keys.length) await redis.unlink(...keys);
    } while (cursor !== "0");
  } finally {
    redis.disconnect();
  }
}

function summarizeProfiles(
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

function buildReport(
  o: BenchOptions,
  r: {
    startedAt: string;
    results: LoadResult[];
    readies: ReadyEvent[];
    processes: Record<string, ProcUsage>;
    machineCpu: BenchReport["machineCpu"];
    idle: BenchReport["idle"];
    registerSec: number;
    connectSec: number;
  },
): BenchReport {
  const sum = (f: (x: LoadResult) => number) => r.results.reduce((a, x) => a + f(x), 0);
  const ack = new Histogram(), e2e = new Histogram();
  const errorFrames: Record<string, number> = {};
  for (const x of r.results) {
    ack.merge(x.ack);
    e2e.merge(x.e2e);
    for (const [k, v] of Object.entries(x.errorFrames)) errorFrames[k] = (errorFrames[k] ?? 0) + v;
  }
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
      connectSec: r.connectSec,
    },
    connections: {
      target: o.conns,
      opened: r.readies.reduce((a, x) => a + x.opened, 0),
      failed: r.readies.reduce((a, x) => a + x.failed, 0),
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
    },
    latencyMs: { sendToAck: ack.summary(), sendToReceive: e2e.summary() },
    errors: {
      errorFrames,
      unexpectedCloses: sum((x) => x.unexpectedCloses),
      unknownFrames: sum((x) => x.unknownFrames),
      lost: sum((x) => x.lost),
    },
    processes: r.processes,
    machineCpu: r.machineCpu,
    idle: r.idle,
    floor: null,
    targets: [],
    profile: null,
  };
  if (o.floorReport && o.mode === "e2e" && o.rate === 0) {
    try {
      const f = JSON.parse(Deno.readTextFileSync(o.floorReport)) as BenchReport;
      const fl = f.throughput.deliveredPerSec;
      report.floor = {
        deliveredPerSec: fl,
        ratio: fl ? Math.round((report.throughput.deliveredPerSec / fl) * 1000) / 1000 : 0,
        report: o.floorReport,
      };
    } catch (err) {
      console.error(`bench: cannot read floor report ${o.floorReport}: ${err}`);
    }
  }
  report.targets = targetsOf(report);
  return report;
}

export function targetsOf(r: BenchReport): Target[] {
  const t: Target[] = [];
  if (r.mode === "e2e" && r.options.rate === 0) {
    const v = r.throughput.deliveredPerSec;
    t.push({ name: "sustained delivered msgs/s", target: ">= 5000", value: v, met: v >= 5000 });
  }
  if (r.mode === "e2e" && r.options.rate > 0 && r.options.rate <= 1000) {
    const v = r.latencyMs.sendToReceive.p99;
    t.push({
      name: `p99 send->receive at ${r.options.rate} msgs/s (ms)`,
      target: "<= 20",
      value: v,
      met: v <= 20,
    });
  }
  if (r.floor) {
    const v = r.floor.ratio;
    t.push({ name: "throughput / floor", target: ">= 0.5", value: v, met: v >= 0.5 });
  }
  if (r.idle) {
    const v = r.idle.rssPerConnKiB;
    t.push({
      name: "gateway RSS per idle connection (KiB)",
      target: "<= 16",
      value: v,
      met: v <= 16,
    });
    const held = r.connections.held;
    t.push({ name: "idle connections held", target: ">= 20000", value: held, met: held >= 20000 });
  }
  return t;
}

export function formatReport(r: BenchReport): string {
  const lines: string[] = [];
  const row = (k: string, v: string) => lines.push(`  ${k.padEnd(30)} ${v}`);
  const lat = (s: LatencySummary) =>
    `p50 ${s.p50}  p95 ${s.p95}  p99 ${s.p99}  max ${s.max}  (n=${s.count})`;
  lines.push(
    `bench ${r.mode}  ${
      r.mode === "idle" ? "" : r.options.rate ? `${r.options.rate} msgs/s` : "flat out"
    }` +
      `  users=${r.setup.users} conns=${r.setup.conns} size=${r.options.size}B` +
      `  gateways=${r.options.gateways} client=${r.options.client}  ${
        r.throughput.windowSec || r.options.durationSec
      }s` +
      `  (${r.machine.nproc} cores, ${r.machine.memTotalGiB} GiB)`,
  );
  row(
    "connections opened/held",
    `${r.connections.opened}/${r.connections.held} of ${r.connections.target} (${r.connections.failed} failed, ${r.setup.connectSec}s to open)`,
  );
  if (r.mode !== "idle") {
    row(
      "sent / acked / delivered",
      `${r.throughput.sent} / ${r.throughput.acked} / ${r.throughput.delivered}`,
    );
    row("delivered msgs/s", String(r.throughput.deliveredPerSec));
    row("send->ack ms", lat(r.latencyMs.sendToAck));
    row("send->receive ms", lat(r.latencyMs.sendToReceive));
  }
  const e = r.errors;
  row(
    "errors",
    `error frames ${
      JSON.stringify(e.errorFrames)
    }, closes ${e.unexpectedCloses}, lost ${e.lost}, unknown ${e.unknownFrames}`,
  );
  if (r.idle) {
    row("gateway RSS", `${r.idle.baselineRssMiB} MiB -> ${r.idle.rssMiB} MiB`);
    row("RSS per idle connection", `${r.idle.rssPerConnKiB} KiB`);
  }
  if (r.floor) row("floor msgs/s (ratio)", `${r.floor.deliveredPerSec} (${r.floor.ratio})`);
  lines.push(
    `  ${"process".padEnd(16)} ${"CPU %".padStart(7)} ${"CPU s".padStart(7)} ${
      "RSS MiB".padStart(8)
    } ${"peak".padStart(8)}`,
  );
  for (const p of Object.values(r.processes)) {
    if (p.pids.length === 0) continue;
    lines.push(
      `  ${p.name.padEnd(16)} ${p.cpuPct.toFixed(1).padStart(7)} ${
        p.cpuSec.toFixed(1).padStart(7)
      } ` +
        `${p.rssMiB.toFixed(1).padStart(8)} ${p.peakRssMiB.toFixed(1).padStart(8)}`,
    );
  }
  lines.push(
    `  machine CPU ${r.machineCpu.busyPct}% of ${r.machine.nproc * 100}%` +
      ` (outside the bench: ${r.machineCpu.othersPct}%)`,
  );
  for (const t of r.targets) {
    lines.push(`  target ${t.met ? "MET   " : "MISSED"} ${t.name} ${t.target}: ${t.value}`);
  }
  for (const [name, s] of Object.entries(r.profile ?? {})) lines.push(formatProfile(name, s));
  return lines.join("\n");
}

async function writeReport(r: BenchReport, out: string) {
  const d = out.includes("/") ? out.slice(0, out.lastIndexOf("/")) : ".";
  await Deno.mkdir(d, { recursive: true });
  await Deno.writeTextFile(out, JSON.stringify(r, null, 2) + "\n");
}

if (import.meta.main) {
  // Groups have their own phases and generator (scripts/bench/group.ts).
  if (isGroupMode(Deno.args)) {
    await runGroupBench(parseGroupArgs(Deno.args)).then(() => Deno.exit(0));
  }
  let opts;
  try {
    opts = parseArgs(Deno.args);
  } catch (err) {
    console.error((err as Error).message);
    Deno.exit(2);
  }
  // Interrupts run the teardown instead of leaving processes, a database and keys behind.
  const interrupted = async () => {
    console.error("bench: interrupted; tearing down");
    await activeTeardown?.();
    Deno.exit(130);
  };
  Deno.addSignalListener("SIGINT", interrupted);
  Deno.addSignalListener("SIGTERM", interrupted);
  try {
    const runs: BenchOptions[] = opts.all
      ? [
        { ...opts, mode: "floor" },
        { ...opts, mode: "e2e", rate: 0 },
        { ...opts, mode: "e2e", rate: 1000 },
        { ...opts, mode: "idle", conns: 0 },
      ]
      : [opts];
    let floorFile: string | null = opts.floorReport;
    const stamp = new Date().toISOString().replace(/[:.]/g, "-");
    for (const run of runs) {
      if (opts.all) {
        const tag = run.mode === "e2e" ? `e2e-${run.rate || "flat"}` : run.mode;
        run.out = opts.out
          ? opts.out.replace(/\.json$/, "") + `-${tag}.json`
          : `bench-results/${stamp}-${tag}.json`;
      }
      const r = await runBench({ ...run, floorReport: run.mode === "e2e" ? floorFile : null });
      const out = resolve(run).out;
      await writeReport(r, out);
      if (r.mode === "floor") floorFile = out;
      console.log(formatReport(r));
      console.log(`  report: ${out}\n`);
    }
  } catch (err) {
    console.error(`bench failed: ${(err as Error)?.stack ?? err}`);
    Deno.exit(1);
  }
  Deno.exit(0);
}
