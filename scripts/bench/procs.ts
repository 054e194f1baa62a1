/**
 * Process plumbing for the bench: spawning the system under test (migrate, gateways, worker) with
 * a raised open-files limit, CPU/RSS sampling from /proc, finding the stores' processes, and a
 * teardown that always runs.
 */

const CLK_TCK = 100; // Linux USER_HZ; /proc/<pid>/stat counts in these units on every x86-64 kernel

export interface ProcSnapshot {
  t: number;
  /** utime + stime, clock ticks. */
  ticks: number;
  rssKiB: number;
}

export function snapshot(pid: number): ProcSnapshot | null {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    // comm may hold spaces and parentheses: fields start after the last ")".
    const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const ticks = Number(rest[11]) + Number(rest[12]); // fields 14 and 15 of stat(5)
    const status = Deno.readTextFileSync(`/proc/${pid}/status`);
    const rssKiB = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    return { t: performance.now(), ticks, rssKiB };
  } catch {
    return null;
  }
}

/** Pids of processes whose comm is one of `names` (the stores running on this machine). */
export function findProcesses(names: string[]): number[] {
  const out: number[] = [];
  for (const e of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(e.name)) continue;
    try {
      const comm = Deno.readTextFileSync(`/proc/${e.name}/comm`).trim();
      if (names.includes(comm)) out.push(Number(e.name));
    } catch { /* gone */ }
  }
  return out;
}

export interface ProcUsage {
  name: string;
  pids: number[];
  /** CPU over the window, percent of one core (200 = both cores of this machine). */
  cpuPct: number;
  cpuSec: number;
  rssMiB: number;
  peakRssMiB: number;
}

/** Polls RSS of a group of processes; CPU is the difference of two snapshots. */
export class ProcGroup {
  #start = new Map<number, ProcSnapshot>();
  #peakKiB = 0;
  #timer: ReturnType<typeof setInterval> | undefined;

  constructor(readonly name: string, readonly pids: number[]) {}

  begin(): void {
    for (const pid of this.pids) {
      const s = snapshot(pid);
      if (s) this.#start.set(pid, s);
    }
    this.#peakKiB = this.#rssKiB();
    this.#timer = setInterval(() => {
      this.#peakKiB = Math.max(this.#peakKiB, this.#rssKiB());
    }, 250);
  }

  #rssKiB(): number {
    let kib = 0;
    for (const pid of this.pids) kib += snapshot(pid)?.rssKiB ?? 0;
    return kib;
  }

  end(): ProcUsage {
    clearInterval(this.#timer);
    let ticks = 0, rss = 0, secs = 0;
    for (const pid of this.pids) {
      const a = this.#start.get(pid), b = snapshot(pid);
      if (!a || !b) continue;
      ticks += b.ticks - a.ticks;
      rss += b.rssKiB;
      secs = Math.max(secs, (b.t - a.t) / 1000);
    }
    const cpuSec = ticks / CLK_TCK;
    const mib = (k: number) => Math.round(k / 102.4) / 10;
    return {
      name: this.name,
      pids: this.pids,
      cpuPct: secs > 0 ? Math.round((cpuSec / secs) * 1000) / 10 : 0,
      cpuSec: Math.round(cpuSec * 100) / 100,
      rssMiB: mib(rss),
      peakRssMiB: mib(Math.max(this.#peakKiB, rss)),
    };
  }
}

export async function freePort(): Promise<number> {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  await Promise.resolve();
  return port;
}

export interface Spawned {
  name: string;
  pid: number;
  child: Deno.ChildProcess;
  status: Promise<Deno.CommandStatus>;
  exited: boolean;
}

/**
 * Runs `deno <args>` (the real binary, so signals arrive) through `sh -c 'ulimit -n ...; exec'`
 * so the process may hold many sockets; output goes to `logFile`.
 */
export function spawnDeno(
  name: string,
  args: string[],
  env: Record<string, string>,
  logFile: string,
  opts: { nofile?: number; stdin?: "piped" | "null"; stdout?: "piped" | "file" } = {},
): Spawned {
  const nofile = opts.nofile ?? 20000;
  const redirect = opts.stdout === "piped" ? `2>> '${logFile}'` : `>> '${logFile}' 2>&1`;
  const script = `ulimit -n ${nofile} 2>/dev/null || ulimit -n $(ulimit -Hn); ` +
    `exec "$0" "$@" ${redirect}`;
  const child = new Deno.Command("sh", {
    args: ["-c", script, Deno.execPath(), ...args],
    env,
    stdin: opts.stdin ?? "null",
    stdout: opts.stdout === "piped" ? "piped" : "null",
    stderr: "null",
  }).spawn();
  const s: Spawned = { name, pid: child.pid, child, status: child.status, exited: false };
  s.status = child.status.then((st) => {
    s.exited = true;
    return st;
  });
  return s;
}

/** Waits until `url` answers 200, the process exits, or the timeout passes. */
export async function waitReady(url: string, proc: Spawned, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc.exited) throw new Error(`${proc.name} exited during start-up (see its log)`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
      await res.body?.cancel();
      if (res.ok) return;
    } catch { /* not up yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${proc.name} not ready after ${timeoutMs} ms (${url})`);
}

/** SIGTERM, then SIGKILL after `graceMs`. Only ever signals processes this bench started. */
export async function stopProcess(p: Spawned, graceMs = 8000): Promise<void> {
  if (p.exited) return;
  try {
    p.child.kill("SIGTERM");
  } catch { /* gone */ }
  const timer = setTimeout(() => {
    try {
      if (!p.exited) p.child.kill("SIGKILL");
    } catch { /* gone */ }
  }, graceMs);
  await p.status;
  clearTimeout(timer);
}

export function cpuCount(): number {
  return navigator.hardwareConcurrency;
}

export function machineInfo() {
  const mem = Deno.readTextFileSync("/proc/meminfo");
  const kib = (k: string) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(mem)?.[1] ?? 0);
  const cpu = /model name\s*:\s*(.+)/.exec(Deno.readTextFileSync("/proc/cpuinfo"))?.[1] ?? "?";
  return {
    nproc: cpuCount(),
    cpuModel: cpu.trim(),
    memTotalGiB: Math.round(kib("MemTotal") / 1048576 * 10) / 10,
    memAvailableGiB: Math.round(kib("MemAvailable") / 1048576 * 10) / 10,
    kernel: Deno.osRelease(),
    deno: Deno.version.deno,
    v8: Deno.version.v8,
  };
}

/** Busy and total jiffies of the whole machine (all cores), from /proc/stat. */
export function machineTicks(): { busy: number; total: number } {
  const line = Deno.readTextFileSync("/proc/stat").split("\n")[0];
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  const total = v.slice(0, 8).reduce((a, b) => a + b, 0); // up to steal; guest is inside user
  const idle = v[3] + v[4]; // idle + iowait
  return { busy: total - idle, total };
}

/**
 * The abuse guards raised out of the way, for every bench's system: a bench measures the path,
 * not the limits (per connection, and per user across devices and gateways: 0 is off).
 */
export const OPEN_LIMITS = {
  RATE_LIMIT_PER_SEC: "1000000",
  RATE_LIMIT_BURST: "1000000",
  RATE_LIMIT_ABUSE: "1000000",
  USER_RATE_LIMIT_PER_SEC: "0",
} as const;
