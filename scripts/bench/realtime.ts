/**
 * `deno run -A scripts/bench/realtime.ts`: presence, typing and call signaling figures on a
 * fresh system (worker and two gateways as child processes; see realtime_rig.ts).
 *
 *   --scenario typing   typing client to client at --rate frames/s over --pairs pairs
 *   --scenario signal   call.signal (ICE) between the two devices of --pairs active calls
 *   --scenario fanout   one user with --subscribers watchers going online/offline --cycles times
 *   --scenario storm    message p99 (--msg-rate) before and while --storm connections reconnect
 *                       after their gateway restarts
 *   --scenario all      the four
 *
 * Latencies are sender to receiver in this process (one clock), p50/p99 from the bench's
 * histogram; CPU from /proc. Results go to --out (JSON) and stdout. See docs/BENCHMARKS.md.
 */
import { parseArgs } from "node:util";
import { directConversationId } from "@im/protocol";
import { Histogram } from "./stats.ts";
import { cpuSeconds, type Frame, type Rig, sleep, startRig, until } from "./realtime_rig.ts";
import { machineInfo } from "./procs.ts";
import type { BenchSocket } from "./ws_client.ts";

const { values: a } = parseArgs({
  args: Deno.args,
  options: {
    scenario: { type: "string", default: "all" },
    rate: { type: "string", default: "1000" },
    duration: { type: "string", default: "10" },
    pairs: { type: "string", default: "100" },
    subscribers: { type: "string", default: "1000" },
    cycles: { type: "string", default: "20" },
    storm: { type: "string", default: "10000" },
    /** Users each storm connection watches (0: a control storm with no presence fan-out). */
    "storm-watch": { type: "string", default: "10" },
    "msg-rate": { type: "string", default: "200" },
    out: { type: "string", default: "bench-results/realtime.json" },
  },
});
const num = (k: keyof typeof a) => Number(a[k]);
const log = (s: string) => console.error(s);

interface Pair {
  a: BenchSocket;
  b: BenchSocket;
  conv: string;
  inFlight: number[];
  callId: string;
}

async function pairs(
  rig: Rig,
  n: number,
  onB: (i: number, f: Frame) => void,
  onA: (i: number, f: Frame) => void = () => {},
): Promise<Pair[]> {
  const ids = await rig.users(2 * n);
  const out: Pair[] = [];
  for (let i = 0; i < n; i++) {
    const [ua, ub] = [ids[2 * i], ids[2 * i + 1]];
    const a = await rig.connect(rig.ports[0], await rig.token(ua), (f) => onA(i, f));
    const b = await rig.connect(rig.ports[0], await rig.token(ub), (f) => onB(i, f));
    const callId = `bench${i}x${Date.now().toString(36)}`;
    out.push({ a, b, conv: directConversationId(ua, ub), inFlight: [], callId });
  }
  return out;
}

/** Sends `send(pair)` at `rate` per second in total, round robin, for `sec` seconds. */
async function paced(ps: Pair[], rate: number, sec: number, send: (p: Pair) => void) {
  const start = performance.now();
  let sent = 0;
  while (performance.now() - start < sec * 1000) {
    const due = Math.floor(((performance.now() - start) / 1000) * rate);
    for (; sent < due; sent++) send(ps[sent % ps.length]);
    await sleep(2);
  }
  return sent;
}

/** Warm-up, then the measured run: latency, throughput and the worker's CPU. */
async function measure(rig: Rig, ps: Pair[], send: (p: Pair) => void, fresh: () => Histogram) {
  await paced(ps, num("rate"), 2, send);
  await sleep(500);
  const h = fresh();
  for (const p of ps) p.inFlight.length = 0;
  const cpu0 = cpuSeconds(rig.worker.pid);
  const gw0 = cpuSeconds(rig.gateways[0].pid);
  const sent = await paced(ps, num("rate"), num("duration"), send);
  await sleep(500);
  const pct = (x: number) => Math.round(x / num("duration") * 100);
  for (const p of ps) (p.a.close(), p.b.close());
  return {
    rate: num("rate"),
    pairs: ps.length,
    sent,
    received: h.count,
    latencyMs: h.summary(),
    workerCpuPct: pct(cpuSeconds(rig.worker.pid) - cpu0),
    gatewayCpuPct: pct(cpuSeconds(rig.gateways[0].pid) - gw0),
  };
}

async function typing(rig: Rig) {
  let h = new Histogram();
  const ps: Pair[] = await pairs(rig, num("pairs"), (i, f) => {
    if (f.type === "typing") h.record(performance.now() - ps[i].inFlight.shift()!);
  });
  let active = false;
  return await measure(rig, ps, (p) => {
    p.inFlight.push(performance.now());
    p.a.sendText(
      JSON.stringify({
        type: "typing",
        data: { conversationId: p.conv, active: active = !active },
      }),
    );
  }, () => (h = new Histogram()));
}

async function signal(rig: Rig) {
  let h = new Histogram();
  let answered = 0;
  const onFrame = (f: Frame) => {
    if (f.type === "call.signal") {
      h.record(performance.now() - Number(f.data.candidate.candidate.slice(10)));
    }
  };
  const ps: Pair[] = await pairs(rig, num("pairs"), (i, f) => {
    if (f.type === "call.incoming") {
      ps[i].b.sendText(JSON.stringify({ type: "call.accept", data: { callId: ps[i].callId } }));
    }
    onFrame(f);
  }, (_i, f) => {
    if (f.type === "call.accepted") answered++;
    onFrame(f);
  });
  for (const p of ps) {
    p.a.sendText(
      JSON.stringify({
        type: "call.invite",
        data: { callId: p.callId, conversationId: p.conv, media: "audio" },
      }),
    );
  }
  await until(() => answered >= ps.length, 30_000, "every call to be answered");
  let flip = false;
  return await measure(rig, ps, (p) => {
    flip = !flip;
    (flip ? p.a : p.b).sendText(JSON.stringify({
      type: "call.signal",
      data: { callId: p.callId, candidate: { candidate: `candidate:${performance.now()}` } },
    }));
  }, () => (h = new Histogram()));
}

/** One user watched by `--subscribers` connections goes online and offline `--cycles` times. */
async function fanout(rig: Rig) {
  const n = num("subscribers");
  const [target, ...viewers] = await rig.users(n + 1);
  let seen = 0, subscribed = 0;
  let want: boolean | null = null;
  let t0 = 0;
  const each = new Histogram(), last = new Histogram();
  const watchers: BenchSocket[] = [];
  for (let i = 0; i < viewers.length; i++) {
    watchers.push(
      await rig.connect(rig.ports[0], await rig.token(viewers[i]), (f) => {
        if (f.type === "presence" && f.id) subscribed++;
        if (f.type !== "presence" || f.id || want === null) return;
        if (f.data.users[0].online !== want) return;
        each.record(performance.now() - t0);
        if (++seen === n) last.record(performance.now() - t0);
      }),
    );
  }
  for (const w of watchers) {
    w.sendText(JSON.stringify({ type: "presence.sub", id: "s", data: { userIds: [target] } }));
  }
  const subStart = performance.now();
  await until(() => subscribed === n, 120_000, "every watcher to be subscribed");
  const subscribeMs = Math.round(performance.now() - subStart);
  await sleep(500);
  const token = await rig.token(target);
  const cpu0 = cpuSeconds(rig.worker.pid);
  let cycles = 0;
  for (let c = 0; c < num("cycles"); c++) {
    seen = 0, want = true, t0 = performance.now();
    const s = await rig.connect(rig.ports[0], token, () => {});
    await until(() => seen === n, 10_000, "every watcher to see online");
    seen = 0, want = false, t0 = performance.now();
    s.close(1000);
    await until(() => seen === n, 10_000, "every watcher to see offline");
    cycles++;
  }
  const workerCpuMs = (cpuSeconds(rig.worker.pid) - cpu0) * 1000;
  for (const w of watchers) w.close();
  return {
    subscribers: n,
    allSubscribedInMs: subscribeMs,
    transitions: 2 * cycles,
    toEachWatcherMs: each.summary(),
    toLastWatcherMs: last.summary(),
    workerCpuMsPerTransition: Math.round(workerCpuMs / (2 * cycles) * 10) / 10,
  };
}

/**
 * Message latency (msg.send -> msg.new, --msg-rate over --pairs pairs on gateway 0) for
 * --duration s, then again while --storm connections on gateway 1, each watching 10 others,
 * reconnect after that gateway restarts: every one of them goes offline and online again.
 */
async function storm(rig: Rig) {
  const ids = await rig.users(num("storm"));
  const tokens = await Promise.all(
    ids.map(async (userId) => ({ userId, token: await rig.token(userId, "s") })),
  );
  const file = `${rig.dir}/storm-tokens.json`;
  await Deno.writeTextFile(file, JSON.stringify(tokens));
  const child = new Deno.Command("sh", {
    args: [
      "-c",
      `ulimit -n 40000 2>/dev/null || ulimit -n $(ulimit -Hn); exec "${Deno.execPath()}" run -A "${
        new URL("./realtime_storm.ts", import.meta.url).pathname
      }" --port ${rig.ports[1]} --tokens "${file}" --watch ${num("storm-watch")}`,
    ],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const events: Array<Record<string, number>> = [];
  (async () => {
    let buf = "";
    for await (const chunk of child.stdout.pipeThrough(new TextDecoderStream())) {
      buf += chunk;
      let i;
      while ((i = buf.indexOf("\n")) >= 0) {
        events.push(JSON.parse(buf.slice(0, i)));
        buf = buf.slice(i + 1);
      }
    }
  })().catch(() => {});
  try {
    await until(() => events.some((e) => "ready" in e), 300_000, "the storm's connections");
    log(`storm: ${events.find((e) => "ready" in e)!.ready} connections up`);
    let h = new Histogram();
    const seen = new Set<string>();
    const ps: Pair[] = await pairs(rig, num("pairs"), (i, f) => {
      if (f.type !== "msg.new" || seen.has(f.data.msgId)) return; // a re-push is not a message
      seen.add(f.data.msgId);
      h.record(performance.now() - Number(f.data.body));
      // Acked like the SDK does, so the server does not push it again.
      const { conversationId, seq } = f.data;
      ps[i].b.sendText(JSON.stringify({ type: "msg.delivered", data: { conversationId, seq } }));
    });
    let k = 0;
    const send = (p: Pair) =>
      p.a.sendText(JSON.stringify({
        type: "msg.send",
        data: {
          conversationId: p.conv,
          clientMsgId: `m${k++}`,
          kind: "text",
          body: String(performance.now()),
        },
      }));
    const rate = num("msg-rate");
    await paced(ps, rate, 3, send);
    await sleep(500);
    h = new Histogram();
    await paced(ps, rate, num("duration"), send);
    await sleep(500);
    const baseline = h.summary();
    h = new Histogram();
    const restarting = rig.restartGateway(1);
    const t0 = performance.now();
    const during = paced(ps, rate, num("duration"), send);
    await restarting;
    await until(() => events.some((e) => "reconnected" in e), 120_000, "the storm to reconnect");
    const reconnectMs = Math.round(performance.now() - t0);
    await during;
    await sleep(500);
    const stormed = h.summary();
    for (const p of ps) (p.a.close(), p.b.close());
    const back = events.find((e) => "reconnected" in e)!;
    return {
      connections: num("storm"),
      msgRate: rate,
      baselineMs: baseline,
      duringStormMs: stormed,
      p99RiseMs: Math.round((stormed.p99 - baseline.p99) * 100) / 100,
      stormReconnectedInMs: reconnectMs,
      presenceFramesToStormWatchers: back.presenceFrames,
    };
  } finally {
    child.kill("SIGTERM");
    await child.status;
  }
}

const SCENARIOS = { typing, signal, fanout, storm } as const;
const chosen = a.scenario === "all" ? Object.keys(SCENARIOS) : a.scenario!.split(",");
const report: Record<string, unknown> = {
  machine: machineInfo(),
  args: a,
  at: new Date().toISOString(),
};
for (const name of chosen) {
  const run = SCENARIOS[name as keyof typeof SCENARIOS];
  if (!run) throw new Error(`unknown scenario ${name}`);
  const rig = await startRig();
  try {
    log(`${name}: running`);
    report[name] = await run(rig);
    console.log(JSON.stringify({ [name]: report[name] }, null, 2));
  } finally {
    await rig.close();
  }
}
await Deno.mkdir(new URL("../../bench-results/", import.meta.url), { recursive: true });
await Deno.writeTextFile(a.out!, JSON.stringify(report, null, 2));
log(`wrote ${a.out}`);
Deno.exit(0);
