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
 * A Deno timer wakes late by up to ~2.1 ms on this machine: `setTimeout(fn, d)` runs after about
 * ceil(d) + 1 ms, and `setInterval(fn, 1)` ticks every ~2.08 ms (measured with a quiet event
 * loop, Deno 2.9.6).
 */
const TIMER_LATE_MS = 2.5;

/**
 * Calls `fn(t0)` once per slot k, due at start + k / rate, until `until`. Latency counts from
 * t0, so a stalled generator shows up as latency instead of silently sending less (no
 * coordinated omission).
 *
 * Deno's timers are too coarse to wake at a slot (TIMER_LATE_MS): a 1 ms interval made a slot
 * wait ~1.05 ms on average, and that wait was counted as the server's. So the timer is aimed
 * TIMER_LATE_MS ahead of the next slot, and each wake-up sends the slots due before the next
 * wake-up can come: a slot goes out up to TIMER_LATE_MS early, and then t0 is the moment it is
 * sent (never a time before it, which would hide latency). The rate is the same; at rates above
 * 400/s a wake-up sends two or more slots at once. Returns a stop function.
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
  let timer: ReturnType<typeof setTimeout> | null = null;
  const due = () => start + k * interval;
  const tick = () => {
    const t = now();
    while (due() <= t + TIMER_LATE_MS && due() < until) fn(Math.max(start + k++ * interval, t));
    timer = due() < until ? setTimeout(tick, Math.max(0, due() - TIMER_LATE_MS - now())) : null;
  };
  timer = setTimeout(tick, Math.max(0, start - TIMER_LATE_MS - now()));
  return () => {
    if (timer !== null) clearTimeout(timer);
    timer = null;
  };
}
