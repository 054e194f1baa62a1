/** The printed summary of a report: one line per measure, a process table, the targets. */
import { formatHops } from "./hops.ts";
import { formatProfile } from "./profile.ts";
import type { BenchReport, ProbeReport } from "./report.ts";
import type { LatencySummary } from "./stats.ts";

const lat = (s: LatencySummary) =>
  `p50 ${s.p50}  p95 ${s.p95}  p99 ${s.p99}  max ${s.max}  (n=${s.count})`;

export function formatReport(r: BenchReport): string {
  const lines = [headline(r)];
  const row = (k: string, v: string) => lines.push(`  ${k.padEnd(30)} ${v}`);
  const c = r.connections;
  row(
    "connections opened/held",
    `${c.opened}/${c.held} of ${c.target} (${c.failed} failed, ${r.setup.connectSec}s to open)`,
  );
  if (r.mode !== "idle" && r.mode !== "typing") {
    row(
      "sent / acked / delivered",
      `${r.throughput.sent} / ${r.throughput.acked} / ${r.throughput.delivered}`,
    );
    row("delivered msgs/s", String(r.throughput.deliveredPerSec));
    row("server CPU per message", `${r.throughput.serverCpuMsPerMsg} ms`);
    row("send->ack ms", lat(r.latencyMs.sendToAck));
    row("send->receive ms", lat(r.latencyMs.sendToReceive));
    if (r.latencyMs.generatorLate.count) {
      row("of which generator late", lat(r.latencyMs.generatorLate));
    }
  }
  const probe = (name: string, what: string, p: ProbeReport | null) => {
    if (!p) return;
    row(`${name} ${what} ms`, lat(p.latencyMs));
    row(`${name} sent/received/lost`, `${p.sent} / ${p.received} / ${p.lost} (${p.rate}/s)`);
  };
  probe("history", "request->page", r.probes.history);
  probe("typing", "send->receive", r.probes.typing);
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
  if (r.hops) lines.push(...formatHops(r.hops));
  lines.push(...processTable(r));
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

function headline(r: BenchReport): string {
  const o = r.options;
  const load = r.mode === "idle"
    ? ""
    : r.mode === "typing"
    ? `${o.typingRate} typing/s`
    : o.rate
    ? `${o.rate} msgs/s`
    : "flat out";
  return `bench ${r.mode}  ${load}` +
    `  users=${r.setup.users} conns=${r.setup.conns} size=${o.size}B` +
    `  gateways=${o.gateways} workers=${o.workers ?? 1} client=${o.client}  ${
      r.throughput.windowSec || o.durationSec
    }s` +
    `  (${r.machine.nproc} cores, ${r.machine.memTotalGiB} GiB)`;
}

function processTable(r: BenchReport): string[] {
  const lines = [
    `  ${"process".padEnd(16)} ${"CPU %".padStart(7)} ${"CPU s".padStart(7)} ${
      "RSS MiB".padStart(8)
    } ${"peak".padStart(8)}`,
  ];
  for (const p of Object.values(r.processes)) {
    if (p.pids.length === 0) continue;
    lines.push(
      `  ${p.name.padEnd(16)} ${p.cpuPct.toFixed(1).padStart(7)} ${
        p.cpuSec.toFixed(1).padStart(7)
      } ${p.rssMiB.toFixed(1).padStart(8)} ${p.peakRssMiB.toFixed(1).padStart(8)}`,
    );
  }
  return lines;
}
