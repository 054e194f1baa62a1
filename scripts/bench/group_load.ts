/**
 * The group bench's load generator (one process of `deno task bench --mode group`): opens its
 * connections, watches the large groups it is told to, and on "go" sends group messages at a
 * fixed rate or flat out (a window in flight per sender). Every `msg.new` is one delivery; its
 * latency is the receive time minus the send time the sender wrote into the body (wall clock
 * with sub-ms precision, the same on every process of this machine). Receivers ack delivery
 * cumulatively every `ackMs`, as the SDK does. Prints `{"event":"ready"}` and then
 * `{"event":"result"}` as JSON lines on stdout.
 */
import { readLines } from "./lines.ts";
import { Histogram, type HistogramData } from "./stats.ts";
import { type BenchSocket, connectClient } from "./ws_client.ts";

export interface GroupConn {
  token: string;
  conversationId: string;
  /** This connection sends into its group. */
  send: boolean;
  /** The group has read diffusion: watch it to get pushes. */
  watch: boolean;
}

export interface GroupLoadSpec {
  proc: number;
  hostname: string;
  port: number;
  conns: GroupConn[];
  /** Messages per second from this process; 0 = flat out. */
  rate: number;
  /** Flat out: messages in flight per sender. */
  window: number;
  size: number;
  warmupMs: number;
  durationMs: number;
  drainMs: number;
  ackMs: number;
}

export interface GroupLoadResult {
  event: "result";
  proc: number;
  opened: number;
  failed: number;
  sent: number;
  acked: number;
  deliveries: number;
  errors: Record<string, number>;
  latency: HistogramData;
  ackLatency: HistogramData;
  closes: number;
}

const wall = () => performance.timeOrigin + performance.now();
const NEW = /"conversationId":"([^"]+)","seq":(\d+)/;
const STAMP = /"body":"(\d+\.\d+)\|/;
const ID = /"id":"([^"]+)"/;

export async function runGroupLoad(spec: GroupLoadSpec, commands: AsyncIterable<string>) {
  const sockets: Array<BenchSocket | null> = spec.conns.map(() => null);
  const toAck = spec.conns.map(() => new Map<string, number>());
  const inflight = new Int32Array(spec.conns.length);
  const latency = new Histogram(), ackLatency = new Histogram();
  const sentAt = new Map<string, { t: number; inWindow: boolean }>();
  const errors: Record<string, number> = {};
  let winStart = Infinity, winEnd = Infinity, sending = false;
  let sent = 0, acked = 0, deliveries = 0, closes = 0, n = 0, stopping = false;
  const pad = "x".repeat(Math.max(1, spec.size - 20));
  const senders = spec.conns.map((c, i) => c.send ? i : -1).filter((i) => i >= 0);

  /** `due`: at a fixed rate, the scheduled send time (a late send counts from it). */
  const sendOne = (i: number, due?: number) => {
    const ws = sockets[i];
    if (!ws?.open || !sending) return;
    const t = due ?? wall();
    const id = `p${spec.proc}n${n++}`;
    ws.sendText(
      `{"type":"msg.send","id":"${id}","data":{"conversationId":"${
        spec.conns[i].conversationId
      }",` +
        `"clientMsgId":"${id}","kind":"text","body":"${t.toFixed(3)}|${pad}"}}`,
    );
    const inWindow = t >= winStart && t < winEnd;
    if (inWindow) sent++;
    sentAt.set(id, { t, inWindow });
    inflight[i]++;
  };

  const onText = (i: number, text: string) => {
    const t = wall();
    if (text.startsWith('{"type":"msg.new"')) {
      const m = NEW.exec(text);
      if (m && Number(m[2]) > (toAck[i].get(m[1]) ?? 0)) toAck[i].set(m[1], Number(m[2]));
      const s = STAMP.exec(text);
      if (!s) return; // a notice
      const t0 = Number(s[1]);
      if (t >= winStart && t < winEnd) deliveries++;
      if (t0 >= winStart && t0 < winEnd) latency.record(t - t0);
    } else if (text.startsWith('{"type":"msg.sent"') || text.startsWith('{"type":"error"')) {
      const id = ID.exec(text)?.[1] ?? "";
      const p = sentAt.get(id);
      if (text.startsWith('{"type":"error"')) {
        const code = /"code":(\d+)/.exec(text)?.[1] ?? "?";
        errors[code] = (errors[code] ?? 0) + 1;
      }
      if (!p) return;
      sentAt.delete(id);
      inflight[i]--;
      if (p.inWindow && text.startsWith('{"type":"msg.sent"')) {
        acked++;
        ackLatency.record(t - p.t);
      }
      if (spec.rate <= 0 && sending) sendOne(i);
    }
  };

  // Connect a few at a time; watch the large groups once the hello is in.
  let opened = 0, failed = 0, next = 0;
  await Promise.all(Array.from({ length: 64 }, async () => {
    while (next < spec.conns.length) {
      const i = next++;
      const c = spec.conns[i];
      try {
        let hello!: () => void;
        const ready = new Promise<void>((r) => (hello = r));
        sockets[i] = await connectClient("raw", {
          hostname: spec.hostname,
          port: spec.port,
          path: "/ws",
          token: c.token,
          readBufferBytes: 65536,
          onText: (text) => text.startsWith('{"type":"hello"') ? hello() : onText(i, text),
          onClose: () => {
            if (!stopping) closes++;
          },
        });
        await ready;
        if (c.watch) {
          sockets[i]!.sendText(
            `{"type":"group.watch","data":{"conversationIds":["${c.conversationId}"]}}`,
          );
        }
        opened++;
      } catch {
        failed++;
      }
    }
  }));
  const keepAlive = setInterval(() => {
    for (const [i, ws] of sockets.entries()) {
      if (!ws?.open) continue;
      ws.sendText('{"type":"ping","data":{}}');
      const c = spec.conns[i];
      if (c.watch) {
        ws.sendText(`{"type":"group.watch","data":{"conversationIds":["${c.conversationId}"]}}`);
      }
    }
  }, 20_000);
  const ackTimer = setInterval(() => {
    for (const [i, ws] of sockets.entries()) {
      if (!ws?.open || toAck[i].size === 0) continue;
      for (const [conversationId, seq] of toAck[i]) {
        ws.sendText(
          `{"type":"msg.delivered","data":{"conversationId":"${conversationId}","seq":${seq}}}`,
        );
      }
      toAck[i].clear();
    }
  }, spec.ackMs);
  console.log(JSON.stringify({ event: "ready", proc: spec.proc, opened, failed }));

  for await (const cmd of commands) if (cmd.trim() === "go") break;
  sending = true;
  const start = wall();
  winStart = start + spec.warmupMs;
  winEnd = winStart + spec.durationMs;
  let rateTimer: ReturnType<typeof setInterval> | undefined;
  if (spec.rate > 0) {
    // Message k is due at start + k/rate, whatever the timer does: a late tick sends what is
    // owed, and its latency counts from the due time (no coordinated omission).
    let k = 0;
    rateTimer = setInterval(() => {
      const owed = Math.floor(((wall() - start) / 1000) * spec.rate);
      for (; k < owed; k++) sendOne(senders[k % senders.length], start + (k * 1000) / spec.rate);
    }, 10);
  } else {
    for (const i of senders) for (let w = 0; w < spec.window; w++) sendOne(i);
  }
  await new Promise((r) => setTimeout(r, spec.warmupMs + spec.durationMs));
  sending = false;
  clearInterval(rateTimer);
  await new Promise((r) => setTimeout(r, spec.drainMs));
  stopping = true;
  clearInterval(keepAlive);
  clearInterval(ackTimer);
  const result: GroupLoadResult = {
    event: "result",
    proc: spec.proc,
    opened,
    failed,
    sent,
    acked,
    deliveries,
    errors,
    latency: latency.toJSON(),
    ackLatency: ackLatency.toJSON(),
    closes,
  };
  console.log(JSON.stringify(result));
  for (const ws of sockets) ws?.close(1000);
}

async function* stdinLines(): AsyncGenerator<string> {
  yield* readLines(Deno.stdin.readable);
}

if (import.meta.main) {
  const spec = JSON.parse(await Deno.readTextFile(Deno.args[0])) as GroupLoadSpec;
  await runGroupLoad(spec, stdinLines());
  Deno.exit(0);
}
