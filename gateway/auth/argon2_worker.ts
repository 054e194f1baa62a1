/// <reference lib="deno.worker" />
/** Runs argon2id off the gateway's event loop (see argon2_pool.ts). */
import { argon2id } from "hash-wasm";

self.onmessage = async (e: MessageEvent) => {
  const { id, opts } = e.data;
  try {
    self.postMessage({ id, result: await argon2id(opts) });
  } catch (err) {
    self.postMessage({ id, error: String((err as Error)?.message ?? err) });
  }
};
