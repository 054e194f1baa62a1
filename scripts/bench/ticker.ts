/** Time in a load generator: the measurement window, and sends at a fixed rate. */

export const now = (): number => performance.now();

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The measurement window (performance.now() times) and whether traffic is still being sent. */
export class Window {
  start = Infinity;
  end = Infinity;
  sending = false;

  has(t: number): boolean {
    return t >= this.start && t < this.end;
  }
}

/**
 * Calls `fn(t0)` for slot k at its scheduled time t0 = start + k / rate until `until`, from a 1 ms
 * timer. Latency counts from t0, so a stalled generator shows up as latency instead of silently
 * sending less (no coordinated omission). Returns a stop function.
 */
export function fixedRate(
  rate: number,
  start: number,
  until: number,
  fn: (t0: number) => void,
): () => void {
  if (rate <= 0) return () => {};
  const interval = 1000 / rate;
  let k = 0;
  const timer = setInterval(() => {
    const t = now();
    while (start + k * interval <= t && start + k * interval < until) fn(start + k++ * interval);
    if (start + k * interval >= until) clearInterval(timer);
  }, 1);
  return () => clearInterval(timer);
}
