/**
 * Catching up and acknowledging: the paged sync after each (re)connect, gap filling by history
 * when a seq is missing, and the cumulative delivered/read cursors sent back to the server.
 */
import type { Clock, TimerId } from "./clock.ts";
import type { Connection } from "./connection.ts";
import { ConnectionError, ServerError, TimeoutError } from "./errors.ts";
import type { MessageView } from "@im/protocol";
import type { MessageStore } from "./store.ts";

export interface CatchupOptions {
  conn: Connection;
  store: MessageStore;
  clock: Clock;
  requestTimeoutMs: number;
  /** Messages per sync page (1..500). */
  syncLimit: number;
  /** How long a gap may stay open before history fills it (late pushes usually close it). */
  gapWaitMs: number;
  /** Debounce of delivered acks. */
  ackDelayMs: number;
  ingest(messages: MessageView[]): void;
  onError(err: Error): void;
}

const MAX_PAGES = 10_000;
const MAX_FILL_ROUNDS = 50;

export class Catchup {
  #gapTimers = new Map<string, TimerId>();
  #ackTimer: TimerId | null = null;
  #deliveredSent = new Map<string, number>();
  #readsToSend = new Map<string, number>();

  constructor(private readonly o: CatchupOptions) {}

  /** Pages through sync until the server has nothing more. Throws when the link is bad. */
  async syncAll(): Promise<void> {
    const { conn, store } = this.o;
    for (let page = 0; page < MAX_PAGES; page++) {
      const before = JSON.stringify(store.cursors());
      let res;
      try {
        res = await conn.request("sync", {
          cursors: store.cursors().filter((c) => c.seq > 0),
          limit: this.o.syncLimit,
        }, this.o.requestTimeoutMs);
      } catch (err) {
        if (err instanceof ServerError && !err.transient) return this.o.onError(err);
        throw err;
      }
      for (const c of res.conversations) {
        store.applyMeta(c);
        this.o.ingest(c.messages);
      }
      if (!res.more || JSON.stringify(store.cursors()) === before) break;
    }
    for (const c of store.all()) this.scheduleGapFill(c.conversationId, 0);
  }

  scheduleGapFill(conversationId: string, delayMs = this.o.gapWaitMs): void {
    if (this.#gapTimers.has(conversationId) || !this.o.store.gap(conversationId)) return;
    const t = this.o.clock.setTimeout(() => {
      this.#fill(conversationId).catch((err) => {
        if (!(err instanceof ConnectionError)) this.o.onError(err);
      }).finally(() => this.#gapTimers.delete(conversationId));
    }, delayMs);
    this.#gapTimers.set(conversationId, t);
  }

  async #fill(conversationId: string): Promise<void> {
    const { conn, store } = this.o;
    for (let round = 0; round < MAX_FILL_ROUNDS; round++) {
      const gap = store.gap(conversationId);
      if (!gap || !conn.isOpen) return;
      const page = await conn.request("history", {
        conversationId,
        beforeSeq: gap.to + 1,
        limit: Math.min(100, gap.to - gap.from + 1),
      }, this.o.requestTimeoutMs);
      if (store.applyClear(conversationId, page.clearedSeq)) continue; // the gap may be gone
      const inGap = page.messages.filter((m) => m.seq >= gap.from && m.seq <= gap.to);
      this.o.ingest(page.messages);
      if (inGap.length === 0) {
        // The server has nothing there: do not hold later messages back forever.
        this.o.ingest(store.skipTo(conversationId, gap.to));
        this.o.onError(new Error(`seqs ${gap.from}..${gap.to} of ${conversationId} are missing`));
      }
    }
  }

  /** Delivered acks go out shortly after messages arrive, one cumulative seq per conversation. */
  scheduleDelivered(): void {
    if (this.#ackTimer !== null) return;
    this.#ackTimer = this.o.clock.setTimeout(() => {
      this.#ackTimer = null;
      this.flushDelivered();
    }, this.o.ackDelayMs);
  }

  flushDelivered(): void {
    const { conn, store } = this.o;
    if (!conn.isOpen) return;
    for (const c of store.all()) {
      const sent = this.#deliveredSent.get(c.conversationId) ?? 0;
      const fromPeer = c.messages.some((m) => m.seq > sent && m.from !== store.me);
      if (c.syncedSeq <= sent || !fromPeer) continue;
      const seq = c.syncedSeq;
      this.#deliveredSent.set(c.conversationId, seq);
      conn.request(
        "msg.delivered",
        { conversationId: c.conversationId, seq },
        this.o.requestTimeoutMs,
      )
        .catch((err) => {
          // Only a lost link is worth another try; it happens on the next flush.
          if (err instanceof ConnectionError || err instanceof TimeoutError) {
            this.#deliveredSent.set(c.conversationId, sent);
          }
        });
    }
  }

  /** Queues a read cursor and sends it now if connected (or after the next connect). */
  markRead(conversationId: string, seq: number): Promise<void> {
    const queued = this.#readsToSend.get(conversationId) ?? 0;
    if (seq > queued) this.#readsToSend.set(conversationId, seq);
    return this.flushReads();
  }

  async flushReads(): Promise<void> {
    const { conn } = this.o;
    if (!conn.isOpen) return;
    const all = [...this.#readsToSend];
    await Promise.all(all.map(async ([conversationId, seq]) => {
      try {
        await conn.request("msg.read", { conversationId, seq }, this.o.requestTimeoutMs);
        if (this.#readsToSend.get(conversationId) === seq) this.#readsToSend.delete(conversationId);
      } catch (err) {
        if (err instanceof ConnectionError || err instanceof TimeoutError) return;
        this.#readsToSend.delete(conversationId);
        throw err;
      }
    }));
  }

  /** Forgets per-connection timers (the connection dropped or the client closed). */
  reset(): void {
    for (const t of this.#gapTimers.values()) this.o.clock.clearTimeout(t);
    this.#gapTimers.clear();
    if (this.#ackTimer !== null) this.o.clock.clearTimeout(this.#ackTimer);
    this.#ackTimer = null;
  }
}
