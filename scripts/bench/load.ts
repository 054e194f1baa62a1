/**
 * One load-generator process (the orchestrator starts one or more): opens its share of the
 * connections, then either drives 1:1 traffic (e2e) or holds them (idle). It talks to the
 * orchestrator in JSON lines: stdout carries events, stdin carries "go" and "stop".
 *
 *   deno run -A scripts/bench/load.ts <spec.json>
 */
import {
  type BenchSocket,
  type ClientKind,
  type ClientOptions,
  connectClient,
} from "./ws_client.ts";
import { Histogram, type HistogramData } from "./stats.ts";
import { readLines } from "./lines.ts";
import { FloorTransport } from "./floor.ts";

export interface ConnSpec {
  userId: string;
  /** The user this connection sends to (its pair); unused when idle. */
  partner: string;
  hostname: string;
  port: number;
  token: string;
}

export interface LoadSpec {
  role: "e2e" | "idle";
  proc: number;
  /** "floor": no sockets; envelopes go straight to the partition streams (see floor.ts). */
  client: ClientKind | "floor";
  conns: ConnSpec[];
  floor?: { redisUrl: string; prefix: string; partitions: number };
  /** Messages per second for this process; 0 = flat out with `window` in flight per connection. */
  rate: number;
  window: number;
  size: number;
  warmupMs: number;
  durationMs: number;
  drainMs: number;
  connectConcurrency: number;
  heartbeatSec: number;
  /** Ack deliveries (msg.delivered, cumulative, coalesced every ackMs) as the SDK does; 0 = never. */
  ackMs: number;
}

export interface ReadyEvent {
  event: "ready";
  opened: number;
  failed: number;
  connectSec: number;
  errors: string[];
}

export interface LoadResult {
  event: "result";
  /** Messages sent inside the measurement window. */
  sent: number;
  acked: number;
  /** Messages (first receipt) delivered inside the window. */
  delivered: number;
  /** Every msg.new frame received inside the window (a message reaches every device). */
  deliveredFrames: number;
  /** Window messages still without ack or delivery after the drain. */
  lost: number;
  errorFrames: Record<string, number>;
  unexpectedCloses: number;
  unknownFrames: number;
  held: number;
  windowSec: number;
  ack: HistogramData;
  e2e: HistogramData;
}

const enc = (o: unknown) => console.log(JSON.stringify(o));

interface Pending {
  t0: number;
  inWindow: boolean;
  acked: boolean;
  delivered: boolean;
}

const CMID = '"clientMsgId":"';

const ACK_PHASES = 10;

/** msg.new data starts {"msgId":..,"conversationId":..,"seq":..} (workers/views.ts toView). */
const ACK_FIELDS = /"conversationId":"([^"]+)","seq":(\d+)/;

function extractCmid(text: string): string | null {
  const i = text.indexOf(CMID);
  if (i < 0) return null;
  const s = i + CMID.length;
  return text.slice(s, text.indexOf('"', s));
}

export async function runLoad(spec: LoadSpec, commands: AsyncIterable<string>): Promise<void> {
  const now = () => performance.now();
  const pending = new Map<string, Pending>();
  const ackH = new Histogram();
  const e2eH = new Histogram();
  const errorFrames: Record<string, number> = {};
  let winStart = Infinity, winEnd = Infinity;
  let sending = false;
  let sent = 0, acked = 0, delivered = 0, deliveredFrames = 0, unknownFrames = 0;
  let unexpectedCloses = 0;
  let stopping = false;
  const sockets: Array<BenchSocket | null> = spec.conns.map(() => null);
  const inflight = new Int32Array(spec.conns.length);
  const counters = new Int32Array(spec.conns.length);
  const body = "x".repeat(spec.size);
  const flatOut = spec.rate <= 0;
  // Highest seq received per conversation and connection, acked on a timer like the SDK does.
  const toAck: Array<Map<string, number>> = spec.conns.map(() => new Map());
  // Each connection flushes on its own phase of the period (as independent clients would),
  // not all at once: ACK_PHASES ticks per period, connection i flushes on tick i % ACK_PHASES.
  let ackTick = 0;
  const ackTimer = spec.ackMs > 0 && spec.client !== "floor"
    ? setInterval(() => {
      const phase = ackTick++ % ACK_PHASES;
      for (let i = phase; i < toAck.length; i += ACK_PHASES) {
        if (toAck[i].size === 0) continue;
        const ws = sockets[i];
        if (ws?.open) {
          for (const [conversationId, seq] of toAck[i]) {
            ws.sendText(
              `{"type":"msg.delivered","data":{"conversationId":"${conversationId}","seq":${seq}}}`,
            );
          }
        }
        toAck[i].clear();
      }
    }, Math.max(1, spec.ackMs / ACK_PHASES))
    : null;

  const sendOne = (i: number, t0: number) => {
    const ws = sockets[i];
    if (!ws || !ws.open || !sending) return;
    const cmid = `p${spec.proc}c${i}n${counters[i]++}`;
    const c = spec.conns[i];
    ws.sendText(
      `{"type":"msg.send","id":"${cmid}","data":{"to":"${c.partner}","clientMsgId":"${cmid}",` +
        `"kind":"text","body":"${body}"}}`,
    );
    const inWindow = t0 >= winStart && t0 < winEnd;
    if (inWindow) sent++;
    pending.set(cmid, { t0, inWindow, acked: false, delivered: false });
    inflight[i]++;
  };

  const onText = (i: number, text: string) => {
    const t = now();
    if (text.startsWith('{"type":"msg.new"')) {
      if (ackTimer !== null) {
        const m = ACK_FIELDS.exec(text);
        if (m && Number(m[2]) > (toAck[i].get(m[1]) ?? 0)) toAck[i].set(m[1], Number(m[2]));
      }
      const p = pending.get(extractCmid(text) ?? "");
      if (!p) return void unknownFrames++;
      const inWin = t >= winStart && t < winEnd;
      if (inWin) deliveredFrames++;
      if (p.delivered) return;
      p.delivered = true;
      if (inWin) delivered++;
      if (p.inWindow) e2eH.record(t - p.t0);
    } else if (text.startsWith('{"type":"msg.sent"')) {
      const p = pending.get(extractCmid(text) ?? "");
      if (!p || p.acked) return void unknownFrames++;
      p.acked = true;
      inflight[i]--;
      if (p.inWindow) {
        acked++;
        ackH.record(t - p.t0);
      }
      if (flatOut && sending) sendOne(i, t);
    } else if (text.startsWith('{"type":"error"')) {
      let code = "?";
      try {
        const f = JSON.parse(text);
        code = String(f.data?.code);
        const p = f.id ? pending.get(f.id) : undefined;
        if (p && !p.acked) {
          p.acked = true;
          inflight[i]--;
          if (flatOut && sending) sendOne(i, t);
        }
      } catch { /* counted anyway */ }
      errorFrames[code] = (errorFrames[code] ?? 0) + 1;
    } else if (
      !text.startsWith('{"type":"pong"') && !text.startsWith('{"type":"hello"') &&
      !text.startsWith('{"type":"ok"') && !text.startsWith('{"type":"receipt"')
    ) {
      unknownFrames++;
    }
  };

  // Connect, each connection ready once its hello arrives.
  const t0 = now();
  let opened = 0, failed = 0;
  const errors: string[] = [];
  let next = 0;
  const floor = spec.client === "floor"
    ? new FloorTransport(
      spec.floor!.redisUrl,
      spec.floor!.prefix,
      spec.floor!.partitions,
      spec.proc,
    )
    : null;
  const connectOne = async (i: number) => {
    const c = spec.conns[i];
    let hello!: () => void;
    const gotHello = new Promise<void>((r) => hello = r);
    const connect = (o: ClientOptions) =>
      floor
        ? floor.open({
          userId: c.userId,
          partner: c.partner,
          deviceId: `bench${i}`,
          connId: `p${spec.proc}c${i}`,
        }, o)
        : connectClient(spec.client as ClientKind, o);
    try {
      const ws = await connect({
        hostname: c.hostname,
        port: c.port,
        path: "/ws",
        token: c.token,
        readBufferBytes: spec.role === "idle" ? 2048 : 65536,
        onText: (text) => {
          if (text.startsWith('{"type":"hello"')) hello();
          else onText(i, text);
        },
        onClose: () => {
          sockets[i] = null;
          hello();
          if (!stopping) unexpectedCloses++;
        },
      });
      sockets[i] = ws;
      await Promise.race([gotHello, new Promise((r) => setTimeout(r, 15_000))]);
      if (!sockets[i]) throw new Error("closed before hello");
      opened++;
    } catch (err) {
      failed++;
      if (errors.length < 5) errors.push(String((err as Error)?.message ?? err));
    }
  };
  await Promise.all(
    Array.from({ length: Math.min(spec.connectConcurrency, spec.conns.length) }, async () => {
      while (next < spec.conns.length) await connectOne(next++);
    }),
  );
  enc(
    {
      event: "ready",
      opened,
      failed,
      connectSec: Math.round(now() - t0) / 1000,
      errors,
    } satisfies ReadyEvent,
  );

  // Heartbeats keep idle connections inside the gateway's idle timeout.
  const hbEvery = Math.max(1000, (spec.heartbeatSec * 1000) / 2);
  let hbNext = 0;
  const hbTimer = setInterval(() => {
    // A slice of the connections every 100 ms, so heartbeats are spread over the interval.
    const per = Math.ceil(spec.conns.length / (hbEvery / 100));
    for (let k = 0; k < per && spec.conns.length; k++) {
      sockets[hbNext]?.sendText('{"type":"ping"}');
      hbNext = (hbNext + 1) % spec.conns.length;
    }
  }, 100);

  const finish = (windowSec: number): LoadResult => {
    let lost = 0;
    for (const p of pending.values()) if (p.inWindow && (!p.acked || !p.delivered)) lost++;
    return {
      event: "result",
      sent,
      acked,
      delivered,
      deliveredFrames,
      lost,
      errorFrames,
      unexpectedCloses,
      unknownFrames,
      held: sockets.filter((s) => s?.open).length,
      windowSec,
      ack: ackH.toJSON(),
      e2e: e2eH.toJSON(),
    };
  };

  for await (const line of commands) {
    const cmd = line.trim();
    if (cmd === "go" && spec.role === "e2e") {
      const start = now();
      winStart = start + spec.warmupMs;
      winEnd = winStart + spec.durationMs;
      sending = true;
      if (flatOut) {
        for (let i = 0; i < spec.conns.length; i++) {
          for (let k = 0; k < spec.window; k++) sendOne(i, now());
        }
      } else {
        // Each message has a scheduled time; latency counts from it, so a stalled generator
        // shows up as latency instead of silently sending less (no coordinated omission).
        let k = 0, rr = 0;
        const interval = 1000 / spec.rate;
        const ticker = setInterval(() => {
          const t = now();
          while (start + k * interval <= t && sending) {
            sendOne(rr, start + k * interval);
            rr = (rr + 1) % spec.conns.length;
            k++;
          }
        }, 1);
        setTimeout(() => clearInterval(ticker), winEnd - start);
      }
      await new Promise((r) => setTimeout(r, winEnd - start));
      sending = false;
      // Drain: wait for what the window sent, up to drainMs.
      const drainUntil = now() + spec.drainMs;
      while (now() < drainUntil) {
        let open = 0;
        for (const p of pending.values()) if (p.inWindow && (!p.acked || !p.delivered)) open++;
        if (open === 0) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      enc(finish(spec.durationMs / 1000));
      break;
    }
    if (cmd === "stop") {
      enc(finish(0));
      break;
    }
  }
  stopping = true;
  clearInterval(hbTimer);
  if (ackTimer !== null) clearInterval(ackTimer);
  for (const s of sockets) s?.close(1000);
  await new Promise((r) => setTimeout(r, 300));
  floor?.close();
}

if (import.meta.main) {
  const spec = JSON.parse(await Deno.readTextFile(Deno.args[0])) as LoadSpec;
  await runLoad(spec, readLines(Deno.stdin.readable));
  Deno.exit(0);
}
