/**
 * Requests in flight on one connection: each gets an id, a deadline and a promise settled by the
 * reply that echoes the id (an `error` frame rejects with a `ServerError`). When the connection
 * drops, every one still waiting is rejected with a `ConnectionError`.
 */
import type { Clock, TimerId } from "./clock.ts";
import { ConnectionError, ServerError, TimeoutError } from "./errors.ts";
import type { ServerFrame } from "@im/protocol";

interface Pending {
  type: string;
  expect: string;
  timer: TimerId;
  resolve(frame: ServerFrame): void;
  reject(err: Error): void;
}

export class RequestTracker {
  #seq = 0;
  #pending = new Map<string, Pending>();

  constructor(private readonly clock: Clock, private readonly prefix = "r") {}

  get size(): number {
    return this.#pending.size;
  }

  nextId(): string {
    return `${this.prefix}${(++this.#seq).toString(36)}`;
  }

  /** Waits for the reply of type `expect` to request `id`. */
  track(id: string, type: string, expect: string, timeoutMs: number): Promise<ServerFrame> {
    return new Promise((resolve, reject) => {
      const timer = this.clock.setTimeout(() => {
        this.#pending.delete(id);
        reject(new TimeoutError(type, timeoutMs));
      }, timeoutMs);
      this.#pending.set(id, { type, expect, timer, resolve, reject });
    });
  }

  /** Settles the request this frame answers; false when it answers none. */
  settle(frame: ServerFrame): boolean {
    if (frame.id === undefined) return false;
    const p = this.#pending.get(frame.id);
    if (!p) return false;
    this.#pending.delete(frame.id);
    this.clock.clearTimeout(p.timer);
    if (frame.type === "error") p.reject(new ServerError(frame.data.code, frame.data.message));
    else if (frame.type !== p.expect) {
      p.reject(new ServerError(0, `unexpected reply ${frame.type} to ${p.type}`));
    } else p.resolve(frame);
    return true;
  }

  /** Rejects everything in flight (the connection is gone). */
  failAll(err: Error = new ConnectionError("connection lost")): void {
    const all = [...this.#pending.values()];
    this.#pending.clear();
    for (const p of all) {
      this.clock.clearTimeout(p.timer);
      p.reject(err);
    }
  }
}
