/**
 * 64-bit snowflake ids (the seed's msgId design): 41 bits of milliseconds since EPOCH_MS,
 * 10 bits of worker id (leased in Redis, see workers/ids), 12 bits of per-millisecond sequence.
 * Ids are decimal strings on the wire: they pass 2^53.
 */

export const EPOCH_MS = 1704067200000; // 2024-01-01T00:00:00Z
export const MAX_WORKER_ID = 1023;

export class Snowflake {
  #lastMs = -1;
  #seq = 0;

  constructor(readonly workerId: number, private readonly now: () => number = Date.now) {
    if (!Number.isInteger(workerId) || workerId < 0 || workerId > MAX_WORKER_ID) {
      throw new RangeError(`worker id must be 0..${MAX_WORKER_ID}`);
    }
  }

  next(): bigint {
    let ms = this.now();
    // A clock that steps back must never reissue an id: keep using the last millisecond.
    if (ms < this.#lastMs) ms = this.#lastMs;
    if (ms === this.#lastMs) {
      this.#seq = (this.#seq + 1) & 0xfff;
      if (this.#seq === 0) ms = this.#lastMs + 1; // borrow the next millisecond
    } else {
      this.#seq = 0;
    }
    this.#lastMs = ms;
    return (BigInt(ms - EPOCH_MS) << 22n) | (BigInt(this.workerId) << 12n) | BigInt(this.#seq);
  }

  nextString(): string {
    return this.next().toString();
  }
}

export function decodeSnowflake(id: bigint | string) {
  const v = BigInt(id);
  return {
    ms: Number(v >> 22n) + EPOCH_MS,
    workerId: Number((v >> 12n) & 0x3ffn),
    seq: Number(v & 0xfffn),
  };
}
