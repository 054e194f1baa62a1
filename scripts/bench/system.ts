/**
 * The system under test: one run's database, key prefix and environment; the schema (migrate),
 * the gateways and the worker (or the floor consumer) as processes of the real `deno` binary,
 * ready once each answers /readyz and the worker holds every partition; and the clean-up of
 * what the run created.
 */
import { Redis } from "ioredis";
import { dropDatabase } from "@im/shared/db";
import type { BenchOptions } from "./options.ts";
import { freePort, OPEN_LIMITS, spawnDeno, type Spawned, waitReady } from "./procs.ts";
import { sleep } from "./ticker.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

/** One run: its own database, key prefix, secret and log directory. */
export interface Run {
  o: BenchOptions;
  runId: string;
  prefix: string;
  mysqlUrl: string;
  dir: string;
  jwtSecret: string;
  env: Record<string, string>;
  log(msg: string): void;
}

export async function newRun(o: BenchOptions): Promise<Run> {
  const runId = crypto.getRandomValues(new Uint8Array(4)).toHex();
  const dbName = `bench_${runId}`;
  const prefix = `bench${runId}:`;
  const mysqlUrl = `${o.mysqlServer.replace(/\/$/, "")}/${dbName}`;
  const dir = await Deno.makeTempDir({ prefix: "im-bench-" });
  const jwtSecret = crypto.getRandomValues(new Uint8Array(32)).toHex();
  const log = (msg: string) => console.error(`bench[${o.mode}]: ${msg}`);
  log(`run ${runId}: database ${dbName}, key prefix ${prefix}, logs in ${dir}`);
  const env = systemEnv(o, { mysqlUrl, prefix, jwtSecret });
  return { o, runId, prefix, mysqlUrl, dir, jwtSecret, env, log };
}

/** Limits raised so the bench measures the path, not the abuse guards. */
function systemEnv(
  o: BenchOptions,
  r: { mysqlUrl: string; prefix: string; jwtSecret: string },
): Record<string, string> {
  return {
    ...Deno.env.toObject(),
    REDIS_URL: o.redisUrl,
    MYSQL_URL: r.mysqlUrl,
    KEY_PREFIX: r.prefix,
    JWT_SECRET: r.jwtSecret,
    LOG_LEVEL: o.logLevel,
    PARTITIONS: String(o.partitions),
    BATCH_SIZE: String(o.batchSize),
    ...OPEN_LIMITS,
    // The per-connection typing limit is a policy, not a cost: the typing probe measures the path.
    TYPING_MIN_INTERVAL_MS: "0",
    // Idle runs hold hundreds of devices per user.
    MAX_DEVICES_PER_USER: "1000000",
    // The bench registers all its users from one address.
    REGISTER_MAX_PER_IP: "1000000",
    // Every generator connects from 127.0.0.x: no cap per address.
    MAX_CONNS_PER_IP: "0",
    MAX_BODY_CHARS: String(Math.max(5000, o.size)),
    MAX_FRAME_BYTES: String(Math.max(65536, o.size + 4096)),
    ACCESS_TTL_SEC: "86400",
    LOGIN_MAX_FAILURES_PER_IP: "100000",
  };
}

export interface Gateway {
  port: number;
  proc: Spawned;
}

export interface System {
  /** None in floor mode. */
  gateways: Gateway[];
  /** The worker, or the floor consumer in floor mode. */
  worker: Spawned;
  /** The first worker's HTTP port (/metrics); 0 in floor mode. */
  workerPort: number;
  /** Every worker (the first is `worker`); the floor consumer in floor mode. */
  workers: Array<{ proc: Spawned; port: number }>;
}

/** Starts the system; every process started is pushed to `started` at once, for the teardown. */
export async function startSystem(run: Run, started: Spawned[]): Promise<System> {
  const { o, env, dir } = run;
  const migrate = spawnDeno(
    "migrate",
    ["run", "-A", `${ROOT}scripts/migrate.ts`],
    env,
    `${dir}/migrate.log`,
  );
  if (!(await migrate.status).success) throw new Error(`migrate failed (see ${dir}/migrate.log)`);
  if (o.mode === "floor") {
    const worker = spawnDeno(
      "floor-consumer",
      ["run", "-A", new URL("./floor.ts", import.meta.url).pathname],
      env,
      `${dir}/floor-consumer.log`,
    );
    started.push(worker);
    return { gateways: [], worker, workerPort: 0, workers: [{ proc: worker, port: 0 }] };
  }
  const gateways: Gateway[] = [];
  for (let g = 0; g < o.gateways; g++) {
    gateways.push(await startGateway(run, g));
    started.push(gateways[g].proc);
  }
  const workers: System["workers"] = [];
  for (let w = 0; w < (o.workers ?? 1); w++) {
    const port = await freePort();
    const name = w === 0 ? "worker" : `worker-${w}`;
    const proc = spawnDeno(
      "worker",
      ["run", "-A", ...profFlags(o, name), `${ROOT}workers/main.ts`],
      { ...env, WORKER_PORT: String(port), HOST: "127.0.0.1" },
      `${dir}/${name}.log`,
    );
    started.push(proc);
    workers.push({ proc, port });
  }
  for (const g of gateways) await waitReady(`http://127.0.0.1:${g.port}/readyz`, g.proc);
  for (const w of workers) await waitReady(`http://127.0.0.1:${w.port}/readyz`, w.proc);
  await waitPartitions(workers.map((w) => w.port), o.partitions);
  if (o.promTargets) await writeTargets(o.promTargets, gateways, workers.map((w) => w.port));
  return { gateways, worker: workers[0].proc, workerPort: workers[0].port, workers };
}

const profFlags = (o: BenchOptions, name: string) =>
  o.profileDir ? ["--cpu-prof", `--cpu-prof-dir=${o.profileDir}/${name}`] : [];

async function startGateway(run: Run, g: number): Promise<Gateway> {
  const port = await freePort();
  const proc = spawnDeno("gateway", [
    "run",
    "-A",
    ...profFlags(run.o, `gateway-${g}`),
    ...(run.o.gatewayV8Flags ? [`--v8-flags=${run.o.gatewayV8Flags}`] : []),
    `${ROOT}gateway/main.ts`,
  ], {
    ...run.env,
    PORT: String(port),
    GATEWAY_ID: `bench-gw-${g}`,
    // One address unless connections are spread over several loopback addresses.
    HOST: run.o.hosts > 1 ? "0.0.0.0" : "127.0.0.1",
    PUBLIC_WS_URL: `ws://127.0.0.1:${port}/ws`,
  }, `${run.dir}/gateway-${g}.log`);
  return { port, proc };
}

/** Prometheus file_sd targets of this run, so a Prometheus on the host network scrapes it. */
async function writeTargets(file: string, gateways: Gateway[], workerPorts: number[]) {
  const targets = [
    { targets: gateways.map((g) => `127.0.0.1:${g.port}`), labels: { job: "gateway" } },
    { targets: workerPorts.map((p) => `127.0.0.1:${p}`), labels: { job: "worker" } },
  ];
  await Deno.writeTextFile(file, JSON.stringify(targets, null, 2) + "\n");
}

/**
 * Waits until the workers hold every partition between them, each holds some, and who holds
 * what has not changed for two seconds (several workers hand partitions over as they join).
 */
async function waitPartitions(workerPorts: number[], partitions: number): Promise<void> {
  const until = Date.now() + 30_000;
  let last = "", since = Date.now();
  while (Date.now() < until) {
    const held: number[] = [];
    for (const port of workerPorts) {
      const r = await fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.json())
        .catch(() => ({}));
      held.push(r.partitions?.length ?? 0);
    }
    const key = held.join(",");
    if (key !== last) [last, since] = [key, Date.now()];
    const all = held.reduce((a, b) => a + b, 0) >= partitions;
    const each = workerPorts.length > partitions || held.every((n) => n > 0);
    if (all && each && (workerPorts.length === 1 || Date.now() - since >= 2000)) return;
    await sleep(200);
  }
}

/** Drops the run's database and unlinks every key under its prefix (nothing else). */
export async function cleanup(run: Run): Promise<void> {
  await dropDatabase(run.mysqlUrl);
  const redis = new Redis(run.o.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    let cursor = "0";
    do {
      const [c, keys] = await redis.scan(cursor, "MATCH", `${run.prefix}*`, "COUNT", 1000);
      cursor = c;
      if (keys.length) await redis.unlink(...keys);
    } while (cursor !== "0");
  } finally {
    redis.disconnect();
  }
}
