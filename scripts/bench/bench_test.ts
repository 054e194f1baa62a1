/**
 * Smoke test of the bench: each mode runs for a couple of seconds against a fresh system and must
 * produce a well-formed report with sane numbers. Never a timed assertion: how fast is for
 * docs/BENCHMARKS.md, not for the test suite.
 */
import { type BenchReport, parseArgs, runBench } from "./main.ts";
import type { ProbeReport } from "./report.ts";

function assert(cond: unknown, msg: string): asserts cond {
  if (!cond) throw new Error(msg);
}

function checkCommon(r: BenchReport, conns: number) {
  assert(r.schema === "im-bench/1", "schema tag");
  assert(
    !Number.isNaN(Date.parse(r.startedAt)) && !Number.isNaN(Date.parse(r.finishedAt)),
    "times",
  );
  assert(r.machine.nproc >= 1 && r.machine.memTotalGiB > 0, "machine info");
  assert(r.connections.target === conns, "target connections");
  assert(r.connections.opened === conns, `all connections open: ${JSON.stringify(r.connections)}`);
  assert(r.connections.failed === 0, "no failed connections");
  for (const name of ["generator", "redis", "mysql"]) {
    const p = r.processes[name];
    assert(p && p.cpuPct >= 0 && p.cpuSec >= 0, `${name} usage`);
  }
  assert(r.processes.generator.rssMiB > 0, "generator RSS sampled");
  assert(Array.isArray(r.targets), "targets");
  assert(r.machineCpu.busyPct >= 0 && r.machineCpu.othersPct >= 0, "machine CPU");
  JSON.parse(JSON.stringify(r)); // serializable
}

function checkTraffic(r: BenchReport) {
  const t = r.throughput;
  assert(t.sent > 0 && t.acked > 0 && t.delivered > 0, `traffic flowed: ${JSON.stringify(t)}`);
  assert(t.acked <= t.sent, "acked <= sent");
  assert(t.deliveredPerSec > 0, "delivered per second");
  for (const l of [r.latencyMs.sendToAck, r.latencyMs.sendToReceive]) {
    assert(l.count > 0, "latency samples");
    assert(0 <= l.p50 && l.p50 <= l.p95 && l.p95 <= l.p99 && l.p99 <= l.max, "ordered quantiles");
  }
  assert(r.errors.lost === 0, `nothing lost: ${JSON.stringify(r.errors)}`);
  assert(Object.keys(r.errors.errorFrames).length === 0, "no error frames");
}

/** The system's own view of the window (not in floor mode, which has no gateway or worker). */
function checkHops(r: BenchReport) {
  assert(r.throughput.serverCpuMsPerMsg > 0, "server CPU per message");
  // Every hop saw the window's frames, and its quantiles are ordered.
  assert(r.hops !== null, "hop table");
  for (const h of r.hops.hops) {
    assert(h.n > 0, `hop ${h.hop} observed: ${JSON.stringify(h)}`);
    assert(0 <= h.p50Ms && h.p50Ms <= h.p99Ms, `hop ${h.hop} quantiles: ${JSON.stringify(h)}`);
  }
  assert(r.hops.batches > 0 && r.hops.entriesPerBatch >= 1, `batches: ${JSON.stringify(r.hops)}`);
}

const base = ["--users", "4", "--duration", "2", "--warmup", "0.5", "--out", "/dev/null"];
const opts = { sanitizeOps: false, sanitizeResources: false };

function checkProbe(p: ProbeReport | null, name: string) {
  assert(p, `${name} probe reported`);
  // One receiver per request here: a history reply, or the partner's only device.
  assert(p.sent > 0 && p.received === p.sent, `${name}: ${JSON.stringify(p)}`);
  assert(p.lost === 0, `${name}: nothing lost`);
  const l = p.latencyMs;
  assert(l.count === p.received, `${name}: one latency per answer`);
  assert(0 <= l.p50 && l.p50 <= l.p95 && l.p95 <= l.p99 && l.p99 <= l.max, "ordered quantiles");
}

Deno.test(
  "bench e2e at a fixed rate, with both probes, produces a well-formed report",
  opts,
  async () => {
    const r = await runBench(
      parseArgs([
        ...base,
        "--mode",
        "e2e",
        "--rate",
        "200",
        "--history-rate",
        "20",
        "--typing-rate",
        "50",
      ]),
    );
    checkCommon(r, 4 + 4); // the probe's four reader connections
    checkTraffic(r);
    checkHops(r);
    // Every window message was scheduled, so each has the generator's lateness; it is part of
    // send->ack, which counts from the scheduled time.
    const late = r.latencyMs.generatorLate;
    assert(late.count === r.throughput.sent, `generator lateness: ${JSON.stringify(late)}`);
    assert(late.p50 <= r.latencyMs.sendToAck.p50, "lateness within send->ack");
    assert(r.processes.gateway.pids.length === 1 && r.processes.worker.pids.length === 1, "pids");
    assert(r.processes.gateway.rssMiB > 0 && r.processes.worker.rssMiB > 0, "system RSS");
    assert(r.targets.some((t) => t.name.startsWith("p99 send")), "latency target evaluated");
    checkProbe(r.probes.history, "history");
    checkProbe(r.probes.typing, "typing");
    assert(r.targets.some((t) => t.name.startsWith("p99 typing")), "typing target evaluated");
  },
);

Deno.test("bench typing sends typing frames only and reports their latency", opts, async () => {
  const r = await runBench(parseArgs([...base, "--mode", "typing", "--typing-rate", "100"]));
  checkCommon(r, 4);
  assert(r.throughput.sent === 0, "no messages in the window");
  assert(r.probes.history === null, "no history probe");
  checkProbe(r.probes.typing, "typing");
  assert(Object.keys(r.errors.errorFrames).length === 0, "no error frames");
});

Deno.test("bench e2e flat out with the npm ws client", opts, async () => {
  const r = await runBench(
    parseArgs([...base, "--mode", "e2e", "--client", "ws", "--window", "4"]),
  );
  checkCommon(r, 4);
  checkTraffic(r);
  checkHops(r);
  assert(r.targets.some((t) => t.name.startsWith("sustained")), "throughput target evaluated");
});

Deno.test("bench floor produces a well-formed report", opts, async () => {
  const r = await runBench(parseArgs([...base, "--mode", "floor", "--window", "4"]));
  checkCommon(r, 4);
  checkTraffic(r);
  assert(r.processes["floor-consumer"].pids.length === 1, "floor consumer sampled");
});

Deno.test("bench idle holds its connections and reports RSS per connection", opts, async () => {
  const r = await runBench(
    parseArgs([
      "--mode",
      "idle",
      "--users",
      "4",
      "--conns",
      "50",
      "--duration",
      "1",
      "--out",
      "/dev/null",
    ]),
  );
  checkCommon(r, 50);
  assert(r.connections.held === 50, `held: ${r.connections.held}`);
  assert(r.idle && r.idle.rssMiB > 0 && r.idle.baselineRssMiB > 0, "idle RSS");
  assert(Number.isFinite(r.idle.rssPerConnKiB), "RSS per connection");
});
