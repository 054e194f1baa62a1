/**
 * Summarizes a V8 .cpuprofile (from `deno run --cpu-prof`): self time by function and by area
 * (our code, ioredis, mysql2, kysely, hono, the runtime, GC), as percent of busy samples.
 *
 *   deno run -A scripts/bench/profile.ts <file.cpuprofile> [top]
 */

interface CpuNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: CpuNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileSummary {
  file: string;
  wallSec: number;
  busySec: number;
  /** Busy share of one core over the profile. */
  busyPct: number;
  areas: Array<{ area: string; pct: number }>;
  functions: Array<{ fn: string; where: string; pct: number }>;
}

export function areaOf(url: string, fn: string): string {
  if (fn === "(garbage collector)") return "gc";
  if (fn === "(program)" || fn === "(root)") return "runtime (native)";
  if (url.includes("/ioredis") || url.includes("/redis-parser") || url.includes("/denque")) {
    return "ioredis";
  }
  if (url.includes("/mysql2") || url.includes("/iconv-lite") || url.includes("/sql-escaper")) {
    return "mysql2";
  }
  if (url.includes("/kysely")) return "kysely";
  if (url.includes("/hono")) return "hono";
  if (url.includes("/hash-wasm")) return "hash-wasm";
  if (url.includes("/gateway/")) return "gateway code";
  if (url.includes("/workers/")) return "worker code";
  if (url.includes("/shared/")) return "shared code";
  if (url.startsWith("node:") || url.includes("ext:deno_node") || url.includes("ext:node")) {
    return "node compat";
  }
  if (url.startsWith("ext:")) return "deno runtime (JS)";
  if (url === "") return "builtins/native";
  return "other";
}

function shortUrl(url: string): string {
  const m = /\/(node_modules|registry\.npmjs\.org)\/(.+)$/.exec(url);
  if (m) return m[2].replace(/^(@[^/]+\/)?([^/]+)\/[^/]+\//, "$1$2/");
  const i = url.indexOf("/work/main/");
  return i >= 0 ? url.slice(i + 11) : url.replace(/^file:\/\//, "");
}

/**
 * `window` keeps only samples taken between `fromEndSec` and `toEndSec` seconds before the
 * profile ended (the process exit), so start-up and set-up (argon2 registrations) stay out.
 */
export function summarizeProfile(
  file: string,
  top = 15,
  window?: { fromEndSec: number; toEndSec: number },
): ProfileSummary {
  const p = JSON.parse(Deno.readTextFileSync(file)) as CpuProfile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  const lo = window ? p.endTime - window.fromEndSec * 1e6 : -Infinity;
  const hi = window ? p.endTime - window.toEndSec * 1e6 : Infinity;
  let t = p.startTime;
  p.samples.forEach((id, i) => {
    t += p.timeDeltas[i] ?? 0;
    if (t >= lo && t <= hi) self.set(id, (self.get(id) ?? 0) + (p.timeDeltas[i] ?? 0));
  });
  let busy = 0;
  const areas = new Map<string, number>();
  const fns = new Map<string, number>();
  for (const [id, us] of self) {
    const n = byId.get(id)!;
    const { functionName, url, lineNumber } = n.callFrame;
    if (functionName === "(idle)") continue;
    busy += us;
    const area = areaOf(url, functionName);
    areas.set(area, (areas.get(area) ?? 0) + us);
    const key = `${functionName || "(anonymous)"}\t${shortUrl(url)}${
      url ? `:${lineNumber + 1}` : ""
    }`;
    fns.set(key, (fns.get(key) ?? 0) + us);
  }
  const pct = (us: number) => Math.round((us / Math.max(1, busy)) * 1000) / 10;
  const wall = (Math.min(hi, p.endTime) - Math.max(lo, p.startTime)) / 1e6;
  return {
    file,
    wallSec: Math.round(wall * 10) / 10,
    busySec: Math.round(busy / 1e5) / 10,
    busyPct: wall > 0 ? Math.round((busy / 1e6 / wall) * 1000) / 10 : 0,
    areas: [...areas].sort((a, b) => b[1] - a[1]).map(([area, us]) => ({ area, pct: pct(us) })),
    functions: [...fns].sort((a, b) => b[1] - a[1]).slice(0, top).map(([k, us]) => {
      const [fn, where] = k.split("\t");
      return { fn, where, pct: pct(us) };
    }),
  };
}

export function formatProfile(name: string, s: ProfileSummary): string {
  const lines = [
    `${name}: ${s.busySec}s busy of ${s.wallSec}s (${s.busyPct}% of one core)`,
    `  by area: ${s.areas.slice(0, 8).map((a) => `${a.area} ${a.pct}%`).join(", ")}`,
    ...s.functions.map((f) => `  ${String(f.pct).padStart(5)}%  ${f.fn}  ${f.where}`),
  ];
  return lines.join("\n");
}

if (import.meta.main) {
  const s = summarizeProfile(Deno.args[0], Number(Deno.args[1] ?? 15));
  console.log(formatProfile(Deno.args[0], s));
}
