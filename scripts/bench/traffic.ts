/**
 * Message traffic of one load generator: 1:1 `msg.send` to each connection's partner, flat out
 * (a window of messages in flight per connection) or at a fixed rate, delivery acks coalesced
 * per connection as the SDK does, and the send->ack / send->receive latencies of the window.
 */
import type { ConnSpec } from "./load_types.ts";
import { Histogram } from "./stats.ts";
import { fixedRate, now, type Window } from "./ticker.ts";
import type { BenchSocket } from "./ws_client.ts";

interface Pending {
  t0: number;
  inWindow: boolean;
  acked: boolean;
  delivered: boolean;
}

const CMID = '"clientMsgId":"';
const ACK_PHASES = 10;
/** msg.new data starts {"msgId":..,"conversationId":..,"seq":..} (workers' toView). */
const ACK_FIELDS = /"conversationId":"([^"]+)","seq":(\d+)/;

function extractCmid(text: string): string | null {
  const i = text.indexOf(CMID);
  if (i < 0) return null;
  const s = i + CMID.length;
  return text.slice(s, text.indexOf('"', s));
}

export interface TrafficOptions {
  proc: number;
  rate: number;
  window: number;
  size: number;
  ackMs: number;
}

export class MessageTraffic {
  readonly ack = new Histogram();
  readonly e2e = new Histogram();
  /** How late the generator sent each window message after its scheduled time (fixed rate). */
  readonly late = new Histogram();
  sent = 0;
  acked = 0;
  delivered = 0;
  deliveredFrames = 0;
  unknown = 0;
  readonly #pending = new Map<string, Pending>();
  readonly #counters: Int32Array;
  /** Highest seq received per conversation and connection, acked on a timer like the SDK does. */
  readonly #toAck: Array<Map<string, number>>;
  readonly #body: string;
  #ackTimer: ReturnType<typeof setInterval> | null = null;
  #stopRate = () => {};
  /** Set by start(): only then does an answer send the next (seeds and typing mode never). */
  #started = false;

  constructor(
    private readonly conns: ConnSpec[],
    private readonly sockets: Array<BenchSocket | null>,
    private readonly win: Window,
    private readonly o: TrafficOptions,
  ) {
    this.#counters = new Int32Array(conns.length);
    this.#toAck = conns.map(() => new Map());
    this.#body = "x".repeat(o.size);
  }

  get flatOut(): boolean {
    return this.o.rate <= 0;
  }

  /**
   * Each connection flushes on its own phase of the period (as independent clients would), not
   * all at once: ACK_PHASES ticks per period, connection i flushes on tick i % ACK_PHASES.
   */
  startAcks(): void {
    if (this.o.ackMs <= 0) return;
    let tick = 0;
    this.#ackTimer = setInterval(() => {
      const phase = tick++ % ACK_PHASES;
      for (let i = phase; i < this.#toAck.length; i += ACK_PHASES) this.#flushAcks(i);
    }, Math.max(1, this.o.ackMs / ACK_PHASES));
  }

  #flushAcks(i: number) {
    const acks = this.#toAck[i];
    if (acks.size === 0) return;
    const ws = this.sockets[i];
    if (ws?.open) {
      for (const [conversationId, seq] of acks) {
        ws.sendText(
          `{"type":"msg.delivered","data":{"conversationId":"${conversationId}","seq":${seq}}}`,
        );
      }
    }
    acks.clear();
  }

  /** One message from connection i to its partner, scheduled at t0; also used to seed. */
  send(i: number, t0: number): void {
    const ws = this.sockets[i];
    if (!ws || !ws.open) return;
    const cmid = `p${this.o.proc}c${i}n${this.#counters[i]++}`;
    ws.sendText(
      `{"type":"msg.send","id":"${cmid}","data":{"to":"${this.conns[i].partner}",` +
        `"clientMsgId":"${cmid}","kind":"text","body":"${this.#body}"}}`,
    );
    const inWindow = this.win.has(t0);
    if (inWindow) {
      this.sent++;
      if (!this.flatOut) this.late.record(now() - t0);
    }
    this.#pending.set(cmid, { t0, inWindow, acked: false, delivered: false });
  }

  /** Starts the window's traffic over the connections that carry messages (not the readers). */
  start(start: number): void {
    const senders = this.conns.flatMap((c, i) => c.reader ? [] : [i]);
    if (senders.length === 0) return;
    this.#started = true;
    if (this.flatOut) {
      for (const i of senders) for (let k = 0; k < this.o.window; k++) this.send(i, now());
      return;
    }
    let rr = 0;
    this.#stopRate = fixedRate(this.o.rate, start, this.win.end, (t0) => {
      if (this.win.sending) this.send(senders[rr], t0);
      rr = (rr + 1) % senders.length;
    });
  }

  /** Handles msg.new and msg.sent; false for any other frame. */
  onText(i: number, text: string, t: number): boolean {
    if (text.startsWith('{"type":"msg.new"')) this.#onNew(i, text, t);
    else if (text.startsWith('{"type":"msg.sent"')) this.#onSent(i, text, t);
    else return false;
    return true;
  }

  #onNew(i: number, text: string, t: number) {
    if (this.#ackTimer !== null) {
      const m = ACK_FIELDS.exec(text);
      const acks = this.#toAck[i];
      if (m && Number(m[2]) > (acks.get(m[1]) ?? 0)) acks.set(m[1], Number(m[2]));
    }
    const p = this.#pending.get(extractCmid(text) ?? "");
    if (!p) return void this.unknown++;
    const inWin = this.win.has(t);
    if (inWin) this.deliveredFrames++;
    if (p.delivered) return;
    p.delivered = true;
    if (inWin) this.delivered++;
    if (p.inWindow) this.e2e.record(t - p.t0);
  }

  #onSent(i: number, text: string, t: number) {
    const p = this.#pending.get(extractCmid(text) ?? "");
    if (!p || p.acked) return void this.unknown++;
    this.#answered(i, p, t);
    if (p.inWindow) {
      this.acked++;
      this.ack.record(t - p.t0);
    }
  }

  /** An error frame answering message `id` (if it is one): it is answered, not in flight. */
  onError(i: number, id: string, t: number): void {
    const p = this.#pending.get(id);
    if (p && !p.acked) this.#answered(i, p, t);
  }

  #answered(i: number, p: Pending, t: number) {
    p.acked = true;
    // Flat out keeps `window` in flight: each answer sends the next.
    if (this.#started && this.flatOut && this.win.sending && !this.conns[i].reader) {
      this.send(i, t);
    }
  }

  /** Window messages still without ack or delivery. */
  open(): number {
    let n = 0;
    for (const p of this.#pending.values()) if (p.inWindow && (!p.acked || !p.delivered)) n++;
    return n;
  }

  /** Messages sent before the window (seeds) still without their msg.sent. */
  unackedSeeds(): number {
    let n = 0;
    for (const p of this.#pending.values()) if (!p.inWindow && !p.acked) n++;
    return n;
  }

  stop(): void {
    this.#stopRate();
    if (this.#ackTimer !== null) clearInterval(this.#ackTimer);
  }
}
