/**
 * Typing, both ways. Out: `input(conversationId)` on every keystroke sends a start at most every
 * few seconds and a stop by itself once the keys go quiet (or on `done`, e.g. after sending).
 * In: who is typing where, each entry dropped when its `expiresInMs` runs out, so a stop that
 * never comes cannot leave "typing…" on screen.
 */
import type { Typing } from "@im/protocol";
import type { Clock, TimerId } from "./clock.ts";

export interface TypingOptions {
  clock: Clock;
  send(conversationId: string, active: boolean): boolean;
  onChange(conversationId: string): void;
  /** A start is sent again after this long while typing goes on. */
  repeatMs?: number;
  /** Keys quiet this long: stop. */
  idleMs?: number;
  /** Starts closer than this are held back (the server refuses them: TYPING_MIN_INTERVAL_MS). */
  minIntervalMs?: number;
}

export class TypingTracker {
  readonly #in = new Map<string, Map<string, TimerId>>();
  readonly #out = new Map<string, { sentAt: number; idle: TimerId; held?: TimerId }>();
  /** When a start last went out per conversation (kept across stops, for the server's limit). */
  readonly #lastStart = new Map<string, number>();
  readonly #repeatMs: number;
  readonly #idleMs: number;
  readonly #minIntervalMs: number;

  constructor(private readonly o: TypingOptions) {
    this.#repeatMs = o.repeatMs ?? 3000;
    this.#idleMs = o.idleMs ?? 4000;
    this.#minIntervalMs = o.minIntervalMs ?? 1100;
  }

  /** The users typing in a conversation now. */
  typingIn(conversationId: string): string[] {
    return [...(this.#in.get(conversationId)?.keys() ?? [])];
  }

  /** A typing frame arrived. */
  received(t: Typing): void {
    const users = this.#in.get(t.conversationId) ?? new Map<string, TimerId>();
    const prev = users.get(t.userId);
    if (prev !== undefined) this.o.clock.clearTimeout(prev);
    if (t.active) {
      users.set(
        t.userId,
        this.o.clock.setTimeout(() => this.#expire(t.conversationId, t.userId), t.expiresInMs),
      );
    } else users.delete(t.userId);
    if (users.size) this.#in.set(t.conversationId, users);
    else this.#in.delete(t.conversationId);
    this.o.onChange(t.conversationId);
  }

  /** A user's message arrived: they are not typing any more. */
  cleared(conversationId: string, userId: string): void {
    const t = this.#in.get(conversationId)?.get(userId);
    if (t === undefined) return;
    this.o.clock.clearTimeout(t);
    this.#expire(conversationId, userId);
  }

  /** The local user typed in a conversation. */
  input(conversationId: string): void {
    const now = this.o.clock.now();
    const cur = this.#out.get(conversationId);
    if (cur) this.o.clock.clearTimeout(cur.idle);
    const idle = this.o.clock.setTimeout(() => this.done(conversationId), this.#idleMs);
    // One state object per typing spell: a held start checks it is still the current one.
    const state: { sentAt: number; idle: TimerId; held?: TimerId } = cur ??
      { sentAt: -Infinity, idle };
    state.idle = idle;
    this.#out.set(conversationId, state);
    if (now - state.sentAt < this.#repeatMs || state.held !== undefined) return;
    const wait = (this.#lastStart.get(conversationId) ?? -Infinity) + this.#minIntervalMs - now;
    if (wait <= 0) return this.#start(conversationId, state);
    // Typing again right after a stop: the start goes out once the server would take it.
    state.held = this.o.clock.setTimeout(() => {
      state.held = undefined;
      if (this.#out.get(conversationId) === state) this.#start(conversationId, state);
    }, wait);
  }

  #start(conversationId: string, state: { sentAt: number }): void {
    const now = this.o.clock.now();
    if (!this.o.send(conversationId, true)) return;
    state.sentAt = now;
    this.#lastStart.set(conversationId, now);
    if (this.#lastStart.size > 256) this.#lastStart.delete(this.#lastStart.keys().next().value!);
  }

  /** The local user stopped (sent the message, left the conversation, or went idle). */
  done(conversationId: string): void {
    const cur = this.#out.get(conversationId);
    if (!cur) return;
    this.o.clock.clearTimeout(cur.idle);
    if (cur.held !== undefined) this.o.clock.clearTimeout(cur.held);
    this.#out.delete(conversationId);
    if (cur.sentAt !== -Infinity) this.o.send(conversationId, false);
  }

  /** Forgets outgoing state (disconnected: the server forgets it too). */
  reset(): void {
    for (const c of this.#out.values()) {
      this.o.clock.clearTimeout(c.idle);
      if (c.held !== undefined) this.o.clock.clearTimeout(c.held);
    }
    this.#out.clear();
  }

  #expire(conversationId: string, userId: string): void {
    const users = this.#in.get(conversationId);
    if (!users?.delete(userId)) return;
    if (users.size === 0) this.#in.delete(conversationId);
    this.o.onChange(conversationId);
  }
}
