/**
 * argon2id in a worker thread. A hash takes ~80 ms of CPU, and hash-wasm computes it on the
 * calling thread: on the gateway's event loop every login would stall every socket of that
 * gateway for that long. One worker is started on first use and stopped when idle for a second
 * (or by `close()`), so an idle gateway, a test or a draining process holds no thread.
 */
import type { argon2id } from "hash-wasm";

export type Argon2 = typeof argon2id;
type Options = Parameters<Argon2>[0];

const IDLE_MS = 1000;

export class Argon2Pool {
  #worker: Worker | null = null;
  #next = 0;
  #pending = new Map<
    number,
    { resolve: (v: string | Uint8Array) => void; reject: (e: Error) => void }
  >();
  #idle: ReturnType<typeof setTimeout> | undefined;

  /** Same signature as hash-wasm's argon2id. */
  readonly run = ((opts: Options) => this.#call(opts)) as Argon2;

  #call(opts: Options): Promise<string | Uint8Array> {
    clearTimeout(this.#idle);
    const w = this.#worker ??= this.#start();
    const id = this.#next++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      w.postMessage({ id, opts });
    });
  }

  #start(): Worker {
    const w = new Worker(new URL("./argon2_worker.ts", import.meta.url), { type: "module" });
    w.onmessage = (e: MessageEvent) => {
      const { id, result, error } = e.data;
      const p = this.#pending.get(id);
      this.#pending.delete(id);
      if (error) p?.reject(new Error(error));
      else p?.resolve(result);
      if (this.#pending.size === 0) {
        const idle = setTimeout(() => this.close(), IDLE_MS);
        Deno.unrefTimer(idle);
        this.#idle = idle;
      }
    };
    w.onerror = (e) => {
      e.preventDefault();
      this.#fail(new Error(`argon2 worker failed: ${e.message}`));
    };
    return w;
  }

  #fail(err: Error) {
    for (const p of this.#pending.values()) p.reject(err);
    this.#pending.clear();
    this.#worker?.terminate();
    this.#worker = null;
  }

  /** Stops the worker; requests in flight are rejected. */
  close(): void {
    clearTimeout(this.#idle);
    this.#fail(new Error("argon2 pool closed"));
  }
}
