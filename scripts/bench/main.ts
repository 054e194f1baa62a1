/**
 * `deno task bench`: starts a fresh system (migrate, gateways, worker) on its own database and
 * key prefix, drives it from separate load-generator processes, samples every process's CPU and
 * RSS from /proc, prints a table, writes a JSON report and tears everything down.
 *
 *   deno task bench --mode e2e --users 200 --duration 20            # flat out
 *   deno task bench --mode e2e --users 200 --rate 1000 --duration 20
 *   deno task bench --mode e2e --history-rate 20                    # + read-lane probe
 *   deno task bench --mode typing --typing-rate 1000                # ephemeral lane alone
 *   deno task bench --mode floor --users 200 --duration 20          # the stores' floor
 *   deno task bench --mode idle --conns 19500                       # RSS per idle connection
 *   deno task bench --mode all                                      # floor, e2e x2, idle
 *
 * See docs/BENCHMARKS.md for the method and the figures. The phases live in run.ts.
 */
import { formatReport } from "./format.ts";
import { type BenchOptions, parseArgs, type ParsedOptions, resolve } from "./options.ts";
import { writeReport } from "./report.ts";
import { runBench, teardownActive } from "./run.ts";

export { formatReport } from "./format.ts";
export { type BenchOptions, type Mode, parseArgs, resolve } from "./options.ts";
export { type BenchReport, type Target, targetsOf } from "./report.ts";
export { runBench } from "./run.ts";

/** The runs one command asks for: `--mode all` is four, each with its own report file. */
function plannedRuns(opts: ParsedOptions): BenchOptions[] {
  if (!opts.all) return [opts];
  const stamp = new Date().toISOString().replace(/[:.]/g, "-");
  const runs: BenchOptions[] = [
    { ...opts, mode: "floor" },
    { ...opts, mode: "e2e", rate: 0 },
    { ...opts, mode: "e2e", rate: 1000 },
    { ...opts, mode: "idle", conns: 0 },
  ];
  for (const run of runs) {
    const tag = run.mode === "e2e" ? `e2e-${run.rate || "flat"}` : run.mode;
    run.out = opts.out
      ? opts.out.replace(/\.json$/, "") + `-${tag}.json`
      : `bench-results/${stamp}-${tag}.json`;
  }
  return runs;
}

async function main(opts: ParsedOptions): Promise<void> {
  // A floor run feeds the e2e runs after it (their throughput as a fraction of the floor's).
  let floorFile: string | null = opts.floorReport;
  for (const run of plannedRuns(opts)) {
    const r = await runBench({ ...run, floorReport: run.mode === "e2e" ? floorFile : null });
    const out = resolve(run).out;
    await writeReport(r, out);
    if (r.mode === "floor") floorFile = out;
    console.log(formatReport(r));
    console.log(`  report: ${out}\n`);
  }
}

if (import.meta.main) {
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
    await teardownActive();
    Deno.exit(130);
  };
  Deno.addSignalListener("SIGINT", interrupted);
  Deno.addSignalListener("SIGTERM", interrupted);
  try {
    await main(opts);
  } catch (err) {
    console.error(`bench failed: ${(err as Error)?.stack ?? err}`);
    Deno.exit(1);
  }
  Deno.exit(0);
}
