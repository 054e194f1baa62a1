/**
 * The conversation list under load: one user with 5,000 direct conversations pages through the
 * whole list (`conv.list`, 50 per page) again and again over a real gateway and worker, while
 * 50 pairs of other users exchange 1,000 msgs/s with delivery acks. Prints and writes p50/p95/
 * p99/max per page, the background's achieved rate and latency, and the machine's CPU (what
 * other processes used is `othersPct`: the machine is shared).
 *
 *   deno run -A scripts/bench/convlist.ts [--conversations 5000] [--rate 1000] [--duration 20]
 *     [--limit 50] [--gap-ms 20] [--load-users 100] [--out bench-results/convlist.json]
 *
 * Its own database (bench_cl_<run>) and key prefix, torn down afterwards; see docs/BENCHMARKS.md.
 */
import { parseArgs } from "node:util";
import { Redis } from "ioredis";
import { loadConfig } from "@im/shared/config";
import { createDb, dropDatabase, ensureDatabase, migrateToLatest } from "@im/shared/db";
import { signAccessToken } from "../../gateway/auth/tokens.ts";
import { seed } from "./convlist_seed.ts";
import { backgroundLoad, pageThrough } from "./convlist_load.ts";
import { directPages } from "./convlist_direct.ts";
import {
  findProcesses,
  freePort,
  machineInfo,
  machineTicks,
  OPEN_LIMITS,
  ProcGroup,
  spawnDeno,
  type Spawned,
  stopProcess,
  waitReady,
} from "./procs.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const { values: a } = parseArgs({
  args: Deno.args,
  options: {
    conversations: { type: "string", default: "5000" },
    rate: { type: "string", default: "1000" },
    duration: { type: "string", default: "20" },
    warmup: { type: "string", default: "3" },
    limit: { type: "string", default: "50" },
    "gap-ms": { type: "string", default: "20" },
    "load-users": { type: "string", default: "100" },
    out: { type: "string" },
  },
});
const o = {
  conversations: Number(a.conversations),
  rate: Number(a.rate),
  durationSec: Number(a.duration),
  warmupSec: Number(a.warmup),
  limit: Number(a.limit),
  gapMs: Number(a["gap-ms"]),
  loadUsers: Number(a["load-users"]) & ~1,
};
const log = (m: string) => console.error(`convlist: ${m}`);

const base = loadConfig();
const run = crypto.getRandomValues(new Uint8Array(4)).toHex();
const url = new URL(base.mysqlUrl);
url.pathname = `/bench_cl_${run}`;
const mysqlUrl = url.toString();
const prefix = `benchcl${run}:`;
const jwtSecret = crypto.getRandomValues(new Uint8Array(32)).toHex();
const dir = await Deno.makeTempDir({ prefix: "im-convlist-" });
const procs: Spawned[] = [];

async function teardown() {
  await Promise.all(procs.map((p) => stopProcess(p)));
  await dropDatabase(mysqlUrl).catch((e) => log(`drop failed: ${e}`));
  const redis = new Redis(base.redisUrl);
  let cursor = "0";
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 1000);
    if (keys.length) await redis.unlink(...keys);
    cursor = next;
  } while (cursor !== "0");
  redis.disconnect();
}
Deno.addSignalListener("SIGINT", () => teardown().finally(() => Deno.exit(130)));

try {
  log(`run ${run}: database bench_cl_${run}, logs in ${dir}`);
  await ensureDatabase(mysqlUrl);
  const db = createDb(mysqlUrl);
  await migrateToLatest(db);
  const t0 = performance.now();
  const seeded = await seed(db, {
    conversations: o.conversations,
    loadUsers: o.loadUsers,
    pinned: 10,
  });
  log(`seeded ${o.conversations} conversations in ${Math.round(performance.now() - t0)} ms`);

  const [port, workerPort] = [await freePort(), await freePort()];
  const env = {
    ...Deno.env.toObject(),
    MYSQL_URL: mysqlUrl,
    REDIS_URL: base.redisUrl,
    KEY_PREFIX: prefix,
    JWT_SECRET: jwtSecret,
    LOG_LEVEL: "warn",
    HOST: "127.0.0.1",
    PORT: String(port),
    WORKER_PORT: String(workerPort),
    ACCESS_TTL_SEC: "86400",
    ...OPEN_LIMITS,
  };
  const worker = spawnDeno(
    "worker",
    ["run", "-A", `${ROOT}workers/main.ts`],
    env,
    `${dir}/worker.log`,
  );
  const gateway = spawnDeno(
    "gateway",
    ["run", "-A", `${ROOT}gateway/main.ts`],
    env,
    `${dir}/gateway.log`,
  );
  procs.push(worker, gateway);
  await waitReady(`http://127.0.0.1:${workerPort}/readyz`, worker);
  await waitReady(`http://127.0.0.1:${port}/readyz`, gateway);
  await new Promise((r) => setTimeout(r, 1500)); // the worker takes its partitions

  const token = async (userId: string) =>
    (await signAccessToken(jwtSecret, {
      jwtIssuer: base.jwtIssuer,
      jwtAudience: base.jwtAudience,
      accessTtlSec: 86400,
    }, {
      userId,
      deviceId: `bench-${userId}`,
      sessionId: crypto.getRandomValues(new Uint8Array(16)).toHex(),
    })).token;
  const tokens = new Map<string, string>();
  for (const u of seeded.loadUsers) tokens.set(u, await token(u));
  const at = { hostname: "127.0.0.1", port };
  const load = await backgroundLoad(at, tokens, o.rate);
  await new Promise((r) => setTimeout(r, o.warmupSec * 1000));

  const groups = [
    new ProcGroup("gateway", [gateway.pid]),
    new ProcGroup("worker", [worker.pid]),
    new ProcGroup("bench", [Deno.pid]),
    new ProcGroup("mysql", findProcesses(["mariadbd", "mysqld"])),
    new ProcGroup("redis", findProcesses(["redis-server"])),
  ];
  groups.forEach((g) => g.begin());
  const ticks0 = machineTicks();
  const paging = await pageThrough(at, await token(seeded.me), {
    limit: o.limit,
    gapMs: o.gapMs,
    expect: o.conversations,
    pinned: seeded.pinned,
    until: performance.now() + o.durationSec * 1000,
  });
  const ticks1 = machineTicks();
  // The same statements from this process, still under the background load.
  const direct = await directPages(db, seeded.me, o.limit, 2);
  const background = load.stop();
  await db.destroy();
  const usage = Object.fromEntries(groups.map((g) => [g.name, g.end()]));
  const cores = navigator.hardwareConcurrency;
  const busyPct =
    Math.round(((ticks1.busy - ticks0.busy) / (ticks1.total - ticks0.total)) * cores * 1000) / 10;
  const ours = Object.values(usage).reduce((s, u) => s + u.cpuPct, 0);
  const report = {
    schema: "im-bench-convlist/1",
    startedAt: new Date().toISOString(),
    machine: machineInfo(),
    options: o,
    paging,
    direct,
    background,
    processes: usage,
    machineCpu: { busyPct, othersPct: Math.max(0, Math.round((busyPct - ours) * 10) / 10) },
    target: {
      name: "p99 per page < 20 ms",
      value: paging.allPages.p99,
      met: paging.allPages.p99 < 20,
    },
  };
  const f = (s: { p50: number; p95: number; p99: number; max: number; count: number }) =>
    `p50 ${s.p50} / p95 ${s.p95} / p99 ${s.p99} / max ${s.max} ms (${s.count})`;
  console.log([
    `conversation list, ${o.conversations} conversations, ${o.limit} per page, ${o.gapMs} ms between pages`,
    `  passes ${paging.passes} (complete and ordered: ${paging.complete}), pages ${paging.pages}, errors ${paging.errors.length}`,
    `  first page   ${f(paging.firstPage)}`,
    `  later pages  ${f(paging.laterPages)}`,
    `  all pages    ${f(paging.allPages)}`,
    `  SQL only     ${
      f(direct.pages)
    }; index rows read per page ≤ ${direct.maxIndexRowsReadPerPage}`,
    `  background   ${background.sentPerSec} msgs/s, send→ack ${
      f(background.sendToAck)
    }, errors ${background.errors}`,
    `  CPU % of one core: ${Object.values(usage).map((u) => `${u.name} ${u.cpuPct}`).join(", ")}`,
    `  machine ${busyPct}% of ${cores * 100}% (outside the bench: ${report.machineCpu.othersPct}%)`,
    `  target ${
      report.target.met ? "MET" : "MISSED"
    }: p99 per page ${paging.allPages.p99} ms < 20 ms`,
  ].join("\n"));
  if (a.out) await Deno.writeTextFile(a.out, JSON.stringify(report, null, 2));
} finally {
  await teardown();
}
