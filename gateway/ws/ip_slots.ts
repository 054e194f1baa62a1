/**
 * WebSockets per client address (open or being upgraded), against MAX_CONNS_PER_IP. IPv6 counts
 * per /64: one subscriber usually holds a whole /64, so per-address counting would not bind.
 */
export class IpSlots {
  readonly #held = new Map<string, number>();

  /** `max` 0 means no cap. */
  constructor(private readonly max: number) {}

  /** Takes a slot for `ip`; false when it already holds `max`. */
  take(ip: string): boolean {
    if (!this.max) return true;
    const key = ipKey(ip);
    const n = this.#held.get(key) ?? 0;
    if (n >= this.max) return false;
    this.#held.set(key, n + 1);
    return true;
  }

  release(ip: string): void {
    if (!this.max) return;
    const key = ipKey(ip);
    const n = (this.#held.get(key) ?? 0) - 1;
    if (n > 0) this.#held.set(key, n);
    else this.#held.delete(key);
  }

  held(ip: string): number {
    return this.#held.get(ipKey(ip)) ?? 0;
  }
}

/** The counting key: an IPv4 address (also when IPv4-mapped), or the /64 of an IPv6 one. */
export function ipKey(ip: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped) return mapped[1];
  if (!ip.includes(":")) return ip;
  const [head, tail = ""] = ip.toLowerCase().split("%")[0].split("::");
  const left = head ? head.split(":") : [];
  const right = tail ? tail.split(":") : [];
  const groups = ip.includes("::")
    ? [...left, ...Array(Math.max(0, 8 - left.length - right.length)).fill("0"), ...right]
    : left;
  return groups.slice(0, 4).map((g) => g.replace(/^0+(?=.)/, "")).join(":") + "::/64";
}
