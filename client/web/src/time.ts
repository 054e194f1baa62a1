/**
 * How the web app writes times: a clock time today, "Yesterday", a weekday within the week,
 * else a date; and the day a message list groups by. Local time, the reader's locale.
 */

const DAY_MS = 24 * 60 * 60 * 1000;

/** The local calendar day of `t`, as a key that compares equal within one day. */
export function dayKey(t: number): string {
  const d = new Date(t);
  return `${d.getFullYear()}-${d.getMonth()}-${d.getDate()}`;
}

/** Whole local days from `t`'s day to `now`'s day (0: today, 1: yesterday). */
export function daysAgo(t: number, now: number): number {
  const start = (x: number) => {
    const d = new Date(x);
    return new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime();
  };
  return Math.round((start(now) - start(t)) / DAY_MS);
}

export function clock(t: number): string {
  return new Date(t).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}

/** A date separator in a message list: "Today", "Yesterday", "Monday", "3 March 2025". */
export function dayLabel(t: number, now: number): string {
  const ago = daysAgo(t, now);
  if (ago === 0) return "Today";
  if (ago === 1) return "Yesterday";
  if (ago > 1 && ago < 7) return new Date(t).toLocaleDateString([], { weekday: "long" });
  const sameYear = new Date(t).getFullYear() === new Date(now).getFullYear();
  return new Date(t).toLocaleDateString([], {
    day: "numeric",
    month: "long",
    ...(sameYear ? {} : { year: "numeric" }),
  });
}

/** The time beside a conversation in the list: short, like the separator but a clock today. */
export function listTime(t: number, now: number): string {
  const ago = daysAgo(t, now);
  if (ago === 0) return clock(t);
  if (ago === 1) return "Yesterday";
  if (ago > 1 && ago < 7) return new Date(t).toLocaleDateString([], { weekday: "short" });
  return new Date(t).toLocaleDateString([], { day: "numeric", month: "short", year: "2-digit" });
}
