/**
 * `deno task bench:failover`: send→ack latency while workers are SIGKILLed over and over.
 * One gateway, three workers (a killed one is replaced at once), PAIRS pairs of users sending at
 * a fixed total rate over raw TCP_NODELAY WebSockets; a worker is killed every --every seconds.
 * Every message is eventually acked (its partition's next owner reclaims it), so the latency
 * tail is the failover time.
 *
 *   deno task bench:failover --rate 200 --duration 30 --every 5 [--dead-ms 2000] [--out f.json]
 */
import { parseArgs } from "node:util";
import { testEnv } from "@im/shared/testing";
import { envFor, type Proc, signUp, spawn } from "../testing/cluster.ts";
import { Histogram } from "./stats.ts";
import { type BenchSocket, connectClient } from "./ws_client.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    rate: { type: "string", default: "200" },
    duration: { type: "string", default: "30" },
    every: { type: "string", default: "5" },
    pairs: { type: "string", default: "10" },
    "dead-ms": { type: "string", default: "2000" },
    out: { type: "string" },
  },
});
const rate = Number(values.rate), durationMs = Number(values.duration) * 1000;
const everyMs = Number(values.every) * 1000, pairs = Number(values.pairs);

const env = await testEnv({ partitions: 16 });
const procs: Proc[] = [];
const sockets: BenchSocket[] = [];
try {
  const base = envFor(env, {
    WORKER_DEAD_MS: values["dead-ms"]!,
    RATE_LIMIT_PER_SEC: "100000",
    RATE_LIMIT_BURST: "100000",
  });
  const gw = await spawn("gateway", base);
  let workers = [
    await spawn("worker", base),
    await spawn("worker", base),
    await spawn("worker", base),
  ];
  procs.push(gw, ...workers);
  const users = [];
  for (let i = 0; i < pairs * 2; i++) users.push(await signUp(gw.port, `fo${i}`));
  const pending = new Map<string, number>(); // clientMsgId -> scheduled send time
  const acks = new Histogram();
  let acked = 0;
  for (const u of users) {
    sockets.push(
      await connectClient("raw", {
        hostname: "127.0.0.1",
        port: gw.port,
        path: "/ws",
        token: u.accessToken,
        onText(text) {
          const f = JSON.parse(text);
          if (f.type !== "msg.sent") return;
          const t = pending.get(f.data.clientMsgId);
          if (t === undefined) return; // a repeated reply
          pending.delete(f.data.clientMsgId);
          acks.record(performance.now() - t);
          acked++;
        },
        onClose() {},
      }),
    );
  }
  let kills = 0;
  const killer = setInterval(async () => {
    const victim = workers[Math.floor(Math.random() * workers.length)];
    await victim.kill("SIGKILL");
    kills++;
    const fresh = await spawn("worker", base);
    workers = workers.filter((w) => w !== victim).concat(fresh);
    procs.push(fresh);
  }, everyMs);
  const start = performance.now();
  let k = 0;
  // Message k is due at start + k / rate: a stall shows up as latency, not as fewer messages.
  while (performance.now() - start < durationMs) {
    const due = start + (k * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const from = (k % pairs) * 2;
    const id = `m${k}`;
    pending.set(id, due);
    sockets[from].sendText(JSON.stringify({
      type: "msg.send",
      data: { to: users[from + 1].userId, clientMsgId: id, kind: "text", body: `#${k}` },
    }));
    k++;
  }
  clearInterval(killer);
  const drainUntil = performance.now() + 20_000;
  while (pending.size && performance.now() < drainUntil) {
    await new Promise((r) => setTimeout(r, 100));
  }
  const report = {
    rate,
    durationSec: durationMs / 1000,
    workerKills: kills,
    workerDeadMs: Number(values["dead-ms"]),
    sent: k,
    acked,
    unacked: pending.size,
    sendToAckMs: acks.summary(),
  };
  console.log(JSON.stringify(report, null, 2));
  if (values.out) await Deno.writeTextFile(values.out, JSON.stringify(report, null, 2) + "\n");
} finally {
  for (const s of sockets) s.close();
  await Promise.all(procs.map((p) => p.kill("SIGKILL")));
  await env.close();
}
