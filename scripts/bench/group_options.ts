/** Options of `deno task bench --mode group` (see group.ts for what each phase measures). */
import type { Phase } from "./group_report.ts";

export interface GroupBenchOptions {
  phases: Phase[];
  groups: number;
  members: number;
  /** Senders per group. */
  senders: number;
  rate: number;
  window: number;
  big: number;
  online: number;
  costRate: number;
  durationSec: number;
  warmupSec: number;
  size: number;
  ackMs: number;
  procs: number;
  /** Run the gateway and worker with --cpu-prof into this directory and summarize. */
  profileDir: string | null;
  out: string;
}

const DEFAULTS: GroupBenchOptions = {
  phases: ["rate", "flat", "cost"],
  groups: 20,
  members: 50,
  senders: 5,
  rate: 300,
  window: 8,
  big: 100_000,
  online: 0.01,
  costRate: 20,
  durationSec: 15,
  warmupSec: 3,
  size: 100,
  ackMs: 1000,
  procs: 1,
  profileDir: null,
  out: "",
};

export function isGroupMode(args: string[]): boolean {
  return args.some((a, i) => a === "--mode=group" || (a === "--mode" && args[i + 1] === "group"));
}

export function parseGroupArgs(args: string[]): GroupBenchOptions {
  const o = { ...DEFAULTS };
  const num: Record<string, keyof GroupBenchOptions> = {
    "--groups": "groups",
    "--members": "members",
    "--senders": "senders",
    "--rate": "rate",
    "--window": "window",
    "--big": "big",
    "--online": "online",
    "--cost-rate": "costRate",
    "--duration": "durationSec",
    "--warmup": "warmupSec",
    "--size": "size",
    "--ack-ms": "ackMs",
    "--procs": "procs",
  };
  for (let i = 0; i < args.length; i++) {
    const [flag, inline] = args[i].split("=", 2);
    const val = () => inline ?? args[++i] ?? "";
    if (flag === "--mode") val();
    else if (flag === "--out") o.out = val();
    else if (flag === "--profile") o.profileDir = val();
    else if (flag === "--phases") o.phases = val().split(",") as Phase[];
    else if (flag in num) {
      const n = Number(val());
      if (!Number.isFinite(n) || n < 0) throw new Error(`${flag} needs a number >= 0`);
      (o[num[flag]] as number) = n;
    } else {throw new Error(
        `unknown option ${args[i]} (group mode: ${Object.keys(num).join(" ")} --phases --out)`,
      );}
  }
  for (const p of o.phases) {
    if (!["rate", "flat", "cost"].includes(p)) throw new Error(`unknown phase ${p}`);
  }
  if (!o.out) o.out = `bench-results/group-${new Date().toISOString().replace(/[:.]/g, "-")}.json`;
  return o;
}
