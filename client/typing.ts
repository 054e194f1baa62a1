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
}

export class TypingTracker {
  readonly #in = new Map<string, Map<string, TimerId>>();
  readonly #out = new Map<string, { sentAt: number; idle: TimerId }>();
  readonly #repeatMs: number;
  readonly #idleMs: number;

  constructor(private readonly o: TypingOptions) {
    this.#repeatMs = o.repeatMs ?? 3000;
    this.#idleMs = o.idleMs ?? 4000;
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
    let sentAt = cur?.sentAt ?? -Infinity;
    if (now - sentAt >= this.#repeatMs && this.o.send(conversationId, true)) sentAt = now;
    const idle = this.o.clock.setTimeout(() => this.done(conversationId), this.#idleMs);
    this.#out.set(conversationId, { sentAt, idle });
  }

  /** The local user stopped (sent the message, left the conversation, or went idle). */
  done(conversationId: string): void {
    const cur = this.#out.get(conversationId);
    if (!cur) return;
    this.o.clock.clearTimeout(cur.idle);
    this.#out.delete(conversationId);
    if (cur.sentAt !== -Infinity) this.o.send(conversationId, false);
  }

  /** Forgets outgoing state (disconnected: the server forgets it too). */
  reset(): void {
    for (const c of this.#out.values()) this.o.clock.clearTimeout(c.idle);
    this.#out.clear();
  }

  #expire(conversationId: string, userId: string): void {
    const users = this.#in.get(conversationId);
    if (!users?.delete(userId)) return;
    if (users.size === 0) this.#in.delete(conversationId);
    this.o.onChange(conversationId);
  }
}
