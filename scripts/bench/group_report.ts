/** The group bench's figures: one report per phase, the targets, and the printed table. */
import type { GroupLoadResult } from "./group_load.ts";
import type { ProcUsage } from "./procs.ts";
import { Histogram, type LatencySummary } from "./stats.ts";

export type Phase = "rate" | "flat" | "cost";

export interface PhaseReport {
  name: string;
  setup: { conns: number; opened: number; members: number; rate: number };
  messagesPerSec: number;
  deliveriesPerSec: number;
  deliveriesPerMessage: number;
  sendToReceiveMs: LatencySummary;
  sendToAckMs: LatencySummary;
  errors: Record<string, number>;
  closes: number;
  cpu: Record<string, { pct: number; sec: number }>;
  machineBusyPct: number;
  /** CPU the machine spent outside this bench's processes and the stores (other users). */
  othersPct: number;
  /** Server-side CPU (gateway, worker, Redis, MySQL) per stored message, in ms. */
  serverCpuMsPerMessage: number;
  /** The same for this system's own processes (gateway, worker): the stores are shared here. */
  processCpuMsPerMessage: number;
}

const SERVER = ["gateway", "worker", "redis", "mysql"];

export function phaseReport(
  name: string,
  setup: PhaseReport["setup"],
  results: GroupLoadResult[],
  usage: Record<string, ProcUsage>,
  machineBusyPct: number,
  durationSec: number,
): PhaseReport {
  const lat = new Histogram(), ack = new Histogram();
  const errors: Record<string, number> = {};
  let acked = 0, deliveries = 0, closes = 0;
  for (const r of results) {
    lat.merge(r.latency);
    ack.merge(r.ackLatency);
    acked += r.acked;
    deliveries += r.deliveries;
    closes += r.closes;
    for (const [k, v] of Object.entries(r.errors)) errors[k] = (errors[k] ?? 0) + v;
  }
  const cpu = Object.fromEntries(
    Object.values(usage).map((u) => [u.name, { pct: u.cpuPct, sec: u.cpuSec }]),
  );
  const ours = Object.values(usage).reduce((a, u) => a + u.cpuPct, 0);
  const serverSec = SERVER.reduce((a, n) => a + (cpu[n]?.sec ?? 0), 0);
  const procSec = (cpu.gateway?.sec ?? 0) + (cpu.worker?.sec ?? 0);
  const perMessage = (sec: number) => acked ? Math.round((sec * 1000 / acked) * 100) / 100 : 0;
  const r1 = (x: number) => Math.round(x * 10) / 10;
  return {
    name,
    setup,
    messagesPerSec: Math.round(acked / durationSec),
    deliveriesPerSec: Math.round(deliveries / durationSec),
    deliveriesPerMessage: acked ? r1(deliveries / acked) : 0,
    sendToReceiveMs: lat.summary(),
    sendToAckMs: ack.summary(),
    errors,
    closes,
    cpu,
    machineBusyPct,
    othersPct: Math.max(0, r1(machineBusyPct - ours)),
    serverCpuMsPerMessage: perMessage(serverSec),
    processCpuMsPerMessage: perMessage(procSec),
  };
}

export interface Target {
  name: string;
  target: string;
  value: number;
  met: boolean;
}

export function targetsOf(phases: PhaseReport[], o: { members: number; big: number }): Target[] {
  const t: Target[] = [];
  const flat = phases.find((p) => p.name === "flat");
  if (flat && o.members === 50) {
    const v = flat.deliveriesPerSec;
    t.push({
      name: "persisted deliveries/s to 50-member groups, flat out",
      target: ">= 30000",
      value: v,
      met: v >= 30000,
    });
  }
  const big = phases.find((p) => p.name.startsWith("cost-") && p.name.endsWith("-read"));
  const w500 = phases.find((p) => p.name === "cost-500-write-all");
  if (big && w500 && w500.serverCpuMsPerMessage > 0) {
    const v = Math.round((big.serverCpuMsPerMessage / w500.serverCpuMsPerMessage) * 100) / 100;
    t.push({
      name: `${o.big}-member message cost / 500-member message cost (server CPU)`,
      target: "<= 3",
      value: v,
      met: v <= 3,
    });
    if (w500.processCpuMsPerMessage > 0) {
      const p = Math.round((big.processCpuMsPerMessage / w500.processCpuMsPerMessage) * 100) / 100;
      t.push({
        name: `${o.big}-member message cost / 500-member message cost (gateway+worker CPU)`,
        target: "<= 3",
        value: p,
        met: p <= 3,
      });
    }
  }
  return t;
}

export function formatGroupReport(r: {
  machine: { nproc: number; memTotalGiB: number };
  options: { durationSec: number; size: number; ackMs: number };
  phases: PhaseReport[];
  targets: Target[];
}): string {
  const lines = [
    `bench group  ${r.options.durationSec}s per phase, body ${r.options.size} B, acks every ${r.options.ackMs} ms` +
    `  (${r.machine.nproc} cores, ${r.machine.memTotalGiB} GiB)`,
  ];
  const lat = (s: LatencySummary) => `p50 ${s.p50}  p95 ${s.p95}  p99 ${s.p99}  (n=${s.count})`;
  for (const p of r.phases) {
    const s = p.setup;
    lines.push(
      `  ${p.name}: ${s.opened}/${s.conns} connections, groups of ${s.members}, ${
        s.rate ? `${s.rate} msgs/s offered` : "flat out"
      }`,
      `    messages/s ${p.messagesPerSec}   deliveries/s ${p.deliveriesPerSec}   deliveries/message ${p.deliveriesPerMessage}`,
      `    send->receive ms ${lat(p.sendToReceiveMs)}`,
      `    send->ack ms     ${lat(p.sendToAckMs)}`,
      `    CPU % ${
        Object.entries(p.cpu).map(([k, v]) => `${k} ${v.pct}`).join("  ")
      }  (machine ${p.machineBusyPct}, others ${p.othersPct})`,
      `    CPU per message: server ${p.serverCpuMsPerMessage} ms, gateway+worker ${p.processCpuMsPerMessage} ms`,
      `    errors ${JSON.stringify(p.errors)}  closes ${p.closes}`,
    );
  }
  for (const t of r.targets) {
    lines.push(`  target ${t.met ? "MET   " : "MISSED"} ${t.name} ${t.target}: ${t.value}`);
  }
  return lines.join("\n");
}
