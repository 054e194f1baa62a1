/** The bench's options: defaults, the command line, and the defaults that depend on the mode. */
import type { ClientKind } from "./ws_client.ts";

/** `typing`: no message traffic, only typing frames (the ephemeral lane) at `--typing-rate`. */
export type Mode = "e2e" | "floor" | "idle" | "typing";

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
  /** Worker processes; the partitions are shared among them. */
  workers: number;
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
  /** V8 flags for the gateway processes only (e.g. --optimize-for-size). */
  gatewayV8Flags: string;
  floorReport: string | null;
  out: string;
  /** Delivery acks every N ms per connection (0: none, so every message is re-pushed). */
  ackMs: number;
  /** Read-lane probe: history requests per second in total (0: no probe). */
  historyRate: number;
  /** Dedicated reader connections (one user each, in pairs) the history requests go round. */
  historyConns: number;
  /** Ephemeral-lane probe: typing frames per second in total (0: none; typing mode: 1000). */
  typingRate: number;
  /** A Prometheus file_sd file to write the run's gateway and worker targets to (null: none). */
  promTargets: string | null;
}

export const DEFAULTS: BenchOptions = {
  mode: "e2e",
  users: 100,
  conns: 0,
  rate: 0,
  durationSec: 20,
  warmupSec: 3,
  size: 100,
  gateways: 1,
  workers: 1,
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
  gatewayV8Flags: "",
  floorReport: null,
  out: "",
  historyRate: 0,
  historyConns: 4,
  typingRate: 0,
  promTargets: null,
};

export const USAGE = `deno task bench [options]
  --mode e2e|floor|idle|typing|all  what to measure (default e2e; all = floor, e2e flat out,
                   e2e at 1000 msgs/s, idle; typing = typing frames only, no messages)
  --users N        users registered (default 100; pairs of users talk 1:1)
  --conns N        connections (default: users; idle: 19900); extra ones are more devices
  --rate N         total msgs/s, 0 = flat out (default 0)
  --window N       flat out: messages in flight per connection (default 16)
  --ack-ms N       receivers ack delivery (msg.delivered) every N ms, as the SDK does;
                   0 = never, so the server re-pushes every message (default 50)
  --duration S     measured seconds (default 20), after --warmup S (default 3)
  --size B         message body bytes (default 100)
  --history-rate N read-lane probe: history requests/s (limit 50) during an e2e run,
                   request -> history.page latency (default 0 = off)
  --history-conns N  dedicated reader connections for the probe (default 4, made even)
  --typing-rate N  ephemeral-lane probe: typing frames/s, send -> receive at the partner
                   (default 0 = off; --mode typing: 1000)
  --gateways N     gateway processes (default 1)
  --workers N      worker processes (default 1; they share the partitions)
  --procs N        load-generator processes (default 1; idle: one per 9000 connections)
  --client raw|ws  WebSocket client: raw RFC 6455 over Deno.connect, or npm ws (default raw)
  --batch N        worker BATCH_SIZE (default 200)
  --hosts N        spread connections over 127.0.0.1..N (default: one per 15000 connections)
  --profile DIR    run gateway and worker with --cpu-prof into DIR and summarize
  --floor FILE     a floor report to compare this e2e run against
  --out FILE       JSON report (default bench-results/<mode>-<time>.json)
  --prom-targets FILE  write the run's /metrics endpoints as Prometheus file_sd targets
                   (deploy/observability/compose.bench.yml scrapes them into Grafana)
  --log-level L    gateway/worker log level (default warn)
  --gateway-v8-flags F  V8 flags for the gateways only, e.g. --optimize-for-size`;

export type ParsedOptions = BenchOptions & { all: boolean };

function num(v: string, name: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new Error(`--${name} needs a number >= 0`);
  return n;
}

type Setter = (o: ParsedOptions, v: string) => void;

/** A numeric option: `min` clamps from below (e.g. a window of at least 1). */
const numeric =
  (key: keyof BenchOptions, name: string, min = 0, max = Infinity): Setter => (o, v) =>
    Object.assign(o, { [key]: Math.min(max, Math.max(min, num(v, name))) });

const text = (
  key: "profileDir" | "floorReport" | "out" | "logLevel" | "gatewayV8Flags" | "promTargets",
): Setter =>
(o, v) => {
  o[key] = v;
};

const FLAGS: Record<string, Setter> = {
  "--mode": (o, m) => {
    if (m === "all") o.all = true;
    else if (m === "e2e" || m === "floor" || m === "idle" || m === "typing") o.mode = m;
    else throw new Error(`unknown mode ${m}`);
  },
  "--users": numeric("users", "users"),
  "--conns": numeric("conns", "conns"),
  "--rate": numeric("rate", "rate"),
  "--window": numeric("window", "window", 1),
  "--ack-ms": numeric("ackMs", "ack-ms"),
  "--duration": numeric("durationSec", "duration"),
  "--warmup": numeric("warmupSec", "warmup"),
  "--size": numeric("size", "size", 1),
  "--gateways": numeric("gateways", "gateways", 1),
  "--workers": numeric("workers", "workers", 1),
  "--procs": numeric("procs", "procs"),
  "--batch": numeric("batchSize", "batch", 1),
  "--hosts": numeric("hosts", "hosts", 0, 254),
  "--history-rate": numeric("historyRate", "history-rate"),
  "--history-conns": numeric("historyConns", "history-conns", 2),
  "--typing-rate": numeric("typingRate", "typing-rate"),
  "--client": (o, c) => {
    if (c !== "raw" && c !== "ws") throw new Error("--client is raw or ws");
    o.client = c;
  },
  "--profile": text("profileDir"),
  "--floor": text("floorReport"),
  "--out": text("out"),
  "--log-level": text("logLevel"),
  "--gateway-v8-flags": text("gatewayV8Flags"),
  "--prom-targets": text("promTargets"),
};

export function parseArgs(args: string[]): ParsedOptions {
  const o: ParsedOptions = { ...DEFAULTS, all: false };
  for (let i = 0; i < args.length; i++) {
    const [flag, inline] = args[i].split("=", 2);
    if (flag === "--help" || flag === "-h") {
      console.log(USAGE);
      Deno.exit(0);
    }
    const set = FLAGS[flag];
    if (!set) throw new Error(`unknown option ${args[i]}\n${USAGE}`);
    set(o, inline ?? args[++i] ?? "");
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
  if (r.mode === "typing" && !r.typingRate) r.typingRate = 1000;
  // The probes need the real gateway and worker and traffic to run under.
  if (r.mode === "floor" || r.mode === "idle") r.historyRate = r.typingRate = 0;
  if (r.historyConns % 2) r.historyConns++;
  if (!r.out) {
    const t = new Date().toISOString().replace(/[:.]/g, "-");
    const rate = r.mode === "e2e" && r.rate
      ? `-${r.rate}`
      : r.mode === "typing"
      ? `-${r.typingRate}`
      : "";
    r.out = `bench-results/${r.mode}${rate}-${t}.json`;
  }
  return r;
}

/** The probes' reader connections (none without the history probe). */
export function readerCount(o: BenchOptions): number {
  return o.historyRate > 0 ? o.historyConns : 0;
}
