/**
 * One load-generator process (the orchestrator starts one or more): opens its share of the
 * connections, then either drives 1:1 traffic and the probes (e2e) or holds them (idle). It talks
 * to the orchestrator in JSON lines: stdout carries events, stdin carries "go" and "stop".
 *
 *   deno run -A scripts/bench/load.ts <spec.json>
 */
import { openAll, startHeartbeats } from "./connect.ts";
import { FloorTransport } from "./floor.ts";
import { readLines } from "./lines.ts";
import type { LoadResult, LoadSpec, ReadyEvent } from "./load_types.ts";
import { HistoryProbe, TypingProbe } from "./probes.ts";
import { now, sleep, Window } from "./ticker.ts";
import { MessageTraffic } from "./traffic.ts";
import type { BenchSocket } from "./ws_client.ts";

export type { ConnSpec, LoadResult, LoadSpec, ReadyEvent } from "./load_types.ts";

const enc = (o: unknown) => console.log(JSON.stringify(o));

/** Frames a generator expects and ignores. */
const IGNORED = ['{"type":"pong"', '{"type":"hello"', '{"type":"ok"', '{"type":"receipt"'];
const SEED_TIMEOUT_MS = 30_000;

/** Everything one generator runs: sockets, traffic, probes and the counts they share. */
class Generator {
  readonly win = new Window();
  readonly sockets: Array<BenchSocket | null>;
  readonly traffic: MessageTraffic;
  readonly history: HistoryProbe | null;
  readonly typing: TypingProbe | null;
  readonly errorFrames: Record<string, number> = {};
  unexpectedCloses = 0;
  unknownFrames = 0;
  stopping = false;

  constructor(readonly spec: LoadSpec) {
    this.sockets = spec.conns.map(() => null);
    // The floor consumer stands in for sends only: it has no delivery acks to take.
    const ackMs = spec.client === "floor" ? 0 : spec.ackMs;
    this.traffic = new MessageTraffic(spec.conns, this.sockets, this.win, { ...spec, ackMs });
    this.history = spec.historyRate > 0
      ? new HistoryProbe(spec.conns, this.sockets, this.win, spec.proc, spec.historyRate)
      : null;
    this.typing = spec.typingRate > 0
      ? new TypingProbe(spec.conns, this.sockets, this.win, spec.typingRate)
      : null;
  }

  onText(i: number, text: string): void {
    const t = now();
    if (
      this.traffic.onText(i, text, t) || this.history?.onText(text, t) ||
      this.typing?.onText(i, text, t)
    ) return;
    if (text.startsWith('{"type":"error"')) this.#onError(i, text, t);
    else if (!IGNORED.some((p) => text.startsWith(p))) this.unknownFrames++;
  }

  #onError(i: number, text: string, t: number) {
    let code = "?";
    try {
      const f = JSON.parse(text);
      code = String(f.data?.code);
      if (typeof f.id === "string") {
        this.traffic.onError(i, f.id, t);
        this.history?.onError(f.id);
      }
    } catch { /* counted anyway */ }
    this.errorFrames[code] = (this.errorFrames[code] ?? 0) + 1;
  }

  /** Conversations the probes need, created (and filled) before the window; errors if not. */
  async seed(): Promise<string[]> {
    this.history?.seed(this.traffic);
    this.typing?.seed(this.traffic);
    const until = now() + SEED_TIMEOUT_MS;
    while (this.traffic.unackedSeeds() > 0 && now() < until) await sleep(20);
    const left = this.traffic.unackedSeeds();
    return left ? [`${left} seed messages unanswered after ${SEED_TIMEOUT_MS} ms`] : [];
  }

  /** Warm-up, the window, then a drain that waits for what the window sent (up to drainMs). */
  async runWindow(): Promise<LoadResult> {
    const { spec, win } = this;
    const start = now();
    win.start = start + spec.warmupMs;
    win.end = win.start + spec.durationMs;
    win.sending = true;
    if (spec.messages) this.traffic.start(start);
    this.history?.start(start);
    this.typing?.start(start);
    await sleep(win.end - start);
    win.sending = false;
    const until = now() + spec.drainMs;
    while (now() < until && this.#open() > 0) await sleep(50);
    return this.result(spec.durationMs / 1000);
  }

  #open(): number {
    return this.traffic.open() + (this.history?.open() ?? 0) + (this.typing?.open() ?? 0);
  }

  result(windowSec: number): LoadResult {
    const t = this.traffic;
    return {
      event: "result",
      sent: t.sent,
      acked: t.acked,
      delivered: t.delivered,
      deliveredFrames: t.deliveredFrames,
      lost: t.open(),
      errorFrames: this.errorFrames,
      unexpectedCloses: this.unexpectedCloses,
      unknownFrames: this.unknownFrames + t.unknown + (this.typing?.unknown ?? 0),
      held: this.sockets.filter((s) => s?.open).length,
      windowSec,
      ack: t.ack.toJSON(),
      e2e: t.e2e.toJSON(),
      late: t.late.toJSON(),
      history: this.history?.result() ?? null,
      typing: this.typing?.result() ?? null,
    };
  }
}

export async function runLoad(spec: LoadSpec, commands: AsyncIterable<string>): Promise<void> {
  const g = new Generator(spec);
  const floor = spec.client === "floor"
    ? new FloorTransport(
      spec.floor!.redisUrl,
      spec.floor!.prefix,
      spec.floor!.partitions,
      spec.proc,
    )
    : null;
  // Heartbeats start before the first connection opens: opening 20,000 on a busy machine can
  // outlast the gateway's idle timeout, which would close the first ones before any ping.
  const stopHeartbeats = startHeartbeats(g.sockets, spec.heartbeatSec);
  const ready: ReadyEvent = await openAll(spec, g.sockets, floor, {
    onText: (i, text) => g.onText(i, text),
    onClose: () => {
      if (!g.stopping) g.unexpectedCloses++;
    },
  });
  g.traffic.startAcks();
  if (spec.role === "e2e") ready.errors.push(...await g.seed());
  enc(ready);
  for await (const line of commands) {
    const cmd = line.trim();
    if (cmd === "go" && spec.role === "e2e") {
      enc(await g.runWindow());
      break;
    }
    if (cmd === "stop") {
      enc(g.result(0));
      break;
    }
  }
  g.stopping = true;
  stopHeartbeats();
  g.traffic.stop();
  for (const s of g.sockets) s?.close(1000);
  await sleep(300);
  floor?.close();
}

if (import.meta.main) {
  const spec = JSON.parse(await Deno.readTextFile(Deno.args[0])) as LoadSpec;
  await runLoad(spec, readLines(Deno.stdin.readable));
  Deno.exit(0);
}
