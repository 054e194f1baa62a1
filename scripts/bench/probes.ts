/**
 * Probes that run beside the message traffic of a load generator, at a fixed rate each:
 *
 * - `HistoryProbe` (the read lane): `history` requests (limit 50) from dedicated reader
 *   connections, round-robin, each timed from its scheduled send to its `history.page` reply.
 *   The readers are users of their own, in pairs, whose conversation is seeded before the window
 *   with more than a page of messages, so every reply is a full page of the same size whatever
 *   the build, and the readers add nothing to the write load but their reads.
 * - `TypingProbe` (the ephemeral lane): `typing` frames from each pair's first devices,
 *   round-robin, each timed from its scheduled send to its receipt at every device of the
 *   partner. The frame that arrives carries no id of ours, only the sender's user id, so a
 *   receipt is matched to the sender's sends in order: the n-th typing frame a device receives
 *   from a user is that user's n-th send. That holds because one connection sends per user and
 *   its frames stay in order (one gateway connection, one worker reading the stream in order).
 */
import { type ConnSpec, directId, type ProbeResult } from "./load_types.ts";
import { Histogram } from "./stats.ts";
import { fixedRate, now, type Window } from "./ticker.ts";
import type { MessageTraffic } from "./traffic.ts";
import type { BenchSocket } from "./ws_client.ts";

export const HISTORY_LIMIT = 50;
/** Messages each reader sends to its partner before the window: a pair's conversation has 60. */
const SEED_PER_READER = 30;
const ID = '"id":"';

export class HistoryProbe {
  readonly latency = new Histogram();
  sent = 0;
  received = 0;
  readonly #pending = new Map<string, { t0: number; inWindow: boolean }>();
  readonly #readers: number[];
  #stop = () => {};

  constructor(
    private readonly conns: ConnSpec[],
    private readonly sockets: Array<BenchSocket | null>,
    private readonly win: Window,
    private readonly proc: number,
    private readonly rate: number,
  ) {
    this.#readers = conns.flatMap((c, i) => c.reader ? [i] : []);
  }

  /** Fills each reader conversation with more than a page (answered before the window opens). */
  seed(traffic: MessageTraffic): void {
    for (const i of this.#readers) {
      for (let k = 0; k < SEED_PER_READER; k++) traffic.send(i, now());
    }
  }

  start(start: number): void {
    if (this.#readers.length === 0) return;
    let n = 0;
    this.#stop = fixedRate(this.rate, start, this.win.end, (t0) => {
      if (!this.win.sending) return;
      const i = this.#readers[n % this.#readers.length];
      const id = `h${this.proc}n${n++}`;
      const c = this.conns[i];
      const inWindow = this.win.has(t0);
      if (inWindow) this.sent++;
      this.#pending.set(id, { t0, inWindow });
      this.sockets[i]?.sendText(
        `{"type":"history","id":"${id}","data":{"conversationId":"${
          directId(c.userId, c.partner)
        }","limit":${HISTORY_LIMIT}}}`,
      );
    });
  }

  /** Handles history.page; false for any other frame. */
  onText(text: string, t: number): boolean {
    if (!text.startsWith('{"type":"history.page"')) return false;
    // A reply's id follows its data (the worker appends it), so look from the end.
    const s = text.lastIndexOf(ID) + ID.length;
    const id = text.slice(s, text.indexOf('"', s));
    const p = this.#pending.get(id);
    if (!p) return true;
    this.#pending.delete(id);
    if (p.inWindow) {
      this.received++;
      this.latency.record(t - p.t0);
    }
    return true;
  }

  /** An error frame answering request `id`: answered, so neither pending nor lost. */
  onError(id: string): void {
    this.#pending.delete(id);
  }

  open(): number {
    let n = 0;
    for (const p of this.#pending.values()) if (p.inWindow) n++;
    return n;
  }

  result(): ProbeResult {
    this.#stop();
    return {
      sent: this.sent,
      received: this.received,
      lost: this.open(),
      latency: this.latency.toJSON(),
    };
  }
}

interface TypingSend {
  t0: number;
  inWindow: boolean;
}

const USER_ID = /"userId":"(\d+)"/;

export class TypingProbe {
  readonly latency = new Histogram();
  sent = 0;
  received = 0;
  unknown = 0;
  /** Receipts owed by the window's frames: each goes to every device of the partner. */
  #expected = 0;
  readonly #senders: number[];
  readonly #senderOf = new Map<string, number>();
  readonly #receivers: number[];
  readonly #sends: TypingSend[][];
  /** Receipts so far per (receiving connection, sending connection). */
  readonly #seen = new Map<string, number>();
  #stop = () => {};

  constructor(
    private readonly conns: ConnSpec[],
    private readonly sockets: Array<BenchSocket | null>,
    private readonly win: Window,
    private readonly rate: number,
  ) {
    this.#senders = conns.flatMap((c, i) => !c.reader && c.device === 0 ? [i] : []);
    for (const i of this.#senders) this.#senderOf.set(conns[i].userId, i);
    this.#receivers = conns.map((c) => conns.filter((d) => d.userId === c.partner).length);
    this.#sends = conns.map(() => []);
  }

  /** A user may only signal in a conversation they belong to: each pair exchanges a message. */
  seed(traffic: MessageTraffic): void {
    for (const i of this.#senders) traffic.send(i, now());
  }

  start(start: number): void {
    if (this.#senders.length === 0) return;
    let n = 0;
    this.#stop = fixedRate(this.rate, start, this.win.end, (t0) => {
      if (!this.win.sending) return;
      const i = this.#senders[n++ % this.#senders.length];
      const inWindow = this.win.has(t0);
      if (inWindow) {
        this.sent++;
        this.#expected += this.#receivers[i];
      }
      const ws = this.sockets[i];
      if (!ws?.open) return; // never sent, so never received: it counts as lost
      this.#sends[i].push({ t0, inWindow });
      const c = this.conns[i];
      ws.sendText(
        `{"type":"typing","data":{"conversationId":"${
          directId(c.userId, c.partner)
        }","active":true}}`,
      );
    });
  }

  /** Handles typing; false for any other frame. */
  onText(j: number, text: string, t: number): boolean {
    if (!text.startsWith('{"type":"typing"')) return false;
    const from = this.#senderOf.get(USER_ID.exec(text)?.[1] ?? "");
    const key = `${j}:${from}`;
    const n = this.#seen.get(key) ?? 0;
    const s = from === undefined ? undefined : this.#sends[from][n];
    if (!s) {
      this.unknown++;
      return true;
    }
    this.#seen.set(key, n + 1);
    if (s.inWindow) {
      this.received++;
      this.latency.record(t - s.t0);
    }
    return true;
  }

  open(): number {
    return this.#expected - this.received;
  }

  result(): ProbeResult {
    this.#stop();
    return {
      sent: this.sent,
      received: this.received,
      lost: this.open(),
      latency: this.latency.toJSON(),
    };
  }
}
