/**
 * Blocks as typing sees them: a few seconds stale at most, so the typing hot path does not wait
 * on MySQL for every batch (typing is shown for seconds anyway; calls and messages check the
 * table itself). One cache per worker configuration, bounded.
 */
import type { Config } from "@im/shared/config";
import type { Exec } from "@im/shared/db";
import { blockedPairs } from "../social/blocks.ts";

export const BLOCK_CACHE_MS = 5000;
const MAX = 100_000;

const pairKey = (a: string, b: string) => (BigInt(a) < BigInt(b) ? `${a}:${b}` : `${b}:${a}`);

export class BlockCache {
  readonly #known = new Map<string, { blocked: boolean; until: number }>();

  /** The pairs (of those asked) blocked either way, as "a:b" with a < b. */
  async blocked(db: Exec, pairs: Array<[string, string]>, now: number): Promise<Set<string>> {
    const out = new Set<string>();
    const ask: Array<[string, string]> = [];
    for (const [a, b] of pairs) {
      const hit = this.#known.get(pairKey(a, b));
      if (hit && hit.until > now) {
        if (hit.blocked) out.add(pairKey(a, b));
      } else ask.push([a, b]);
    }
    if (ask.length === 0) return out;
    const found = await blockedPairs(db, ask);
    if (this.#known.size + ask.length > MAX) this.#known.clear();
    for (const [a, b] of ask) {
      const k = pairKey(a, b);
      this.#known.set(k, { blocked: found.has(k), until: now + BLOCK_CACHE_MS });
      if (found.has(k)) out.add(k);
    }
    return out;
  }
}

const caches = new WeakMap<Config, BlockCache>();

export function blockCacheFor(config: Config): BlockCache {
  let c = caches.get(config);
  if (!c) caches.set(config, c = new BlockCache());
  return c;
}

export { pairKey };
