/**
 * A value read at most once per `ttlMs`; concurrent callers share one read, and a failed read
 * is not kept (the next call tries again).
 */
export class Cached<T> {
  #value: { at: number; p: Promise<T> } | null = null;

  constructor(
    private readonly ttlMs: number,
    private readonly read: () => Promise<T>,
    private readonly now: () => number = Date.now,
  ) {}

  get(): Promise<T> {
    const t = this.now();
    if (!this.#value || t - this.#value.at >= this.ttlMs) {
      const p = this.read();
      const entry = { at: t, p };
      this.#value = entry;
      p.catch(() => {
        if (this.#value === entry) this.#value = null;
      });
    }
    return this.#value.p;
  }
}
