/**
 * How the partition loop reads new entries of the partitions it may read. On one Redis node:
 * one blocking XREADGROUP over all of them. A Cluster refuses a command whose streams span
 * slots (each partition is its own slot), so there each partition has its own blocking read on
 * its own connection, and a read returns as soon as any of them has entries; the others stay
 * in flight for the next read. Either way a partition has at most one read in flight, and the
 * next one starts only after the loop took the previous one's entries (and chained their batch
 * behind the partition's batch in flight), so its entries keep their order.
 *
 * A partition is handed over only after `release` has ended its read: a read left blocking after
 * the lease went would take the next entry into this worker's pending list after the new owner
 * had reclaimed it, and the entry would wait there for the orphan sweep (loop.ts).
 */
import { CONSUMER_GROUP, type Keys } from "@im/shared/keys";
import { type Cluster, isCluster, nodeFor, type Redis } from "@im/shared/redis";
import type { RawEntry } from "../batch.ts";

export interface ReadResult {
  /** Entries read, per partition. */
  read: Array<{ partition: number; stream: string; raw: RawEntry[] }>;
  /**
   * Partitions whose read came back with entries after they stopped being readable (lost, or
   * recovering): those entries are pending under this consumer, so the caller reclaims them.
   */
  stale: number[];
  /** Partitions whose read failed (the connection dropped); read again next time. */
  failed: Array<{ partition: number; err: unknown }>;
}

export interface PartitionReader {
  read(partitions: number[]): Promise<ReadResult>;
  /** Ends a read in progress early (the loop has to rebalance). */
  wake(): void;
  /**
   * Ends these partitions' reads and waits for them, before their leases are released; what
   * they took is pending under this worker, where the next owner reclaims it.
   */
  release(partitions: number[]): Promise<void>;
  close(): void;
}

export interface ReaderOptions {
  reader: Redis;
  /** A command connection, for CLIENT UNBLOCK. */
  redis: Redis;
  keys: Keys;
  workerId: string;
  count: number;
  blockMs: number;
}

export function createPartitionReader(o: ReaderOptions): PartitionReader {
  return isCluster(o.reader) ? new PerPartitionReader(o) : new OneReadReader(o);
}

const xreadgroup = (r: Redis, o: ReaderOptions, streams: string[]) =>
  r.xreadgroup(
    "GROUP",
    CONSUMER_GROUP,
    o.workerId,
    "COUNT",
    o.count,
    "BLOCK",
    o.blockMs,
    "STREAMS",
    ...streams,
    ...streams.map(() => ">"),
  ) as Promise<Array<[string, RawEntry[]]> | null>;

class OneReadReader implements PartitionReader {
  /** The blocking reader's client id, so a wake-up can unblock its read. */
  #readerId: number | null = null;

  constructor(private readonly o: ReaderOptions) {
    const r = o.reader;
    const learnId = () => r.client("ID").then((id) => (this.#readerId = Number(id)), () => {});
    r.on("ready", learnId);
    if (r.status === "ready") void learnId();
  }

  async read(partitions: number[]): Promise<ReadResult> {
    const byKey = new Map(partitions.map((p) => [this.o.keys.partition(p), p]));
    const res = await xreadgroup(this.o.reader, this.o, [...byKey.keys()]);
    const read = (res ?? []).map(([stream, raw]) => ({
      partition: byKey.get(stream)!,
      stream,
      raw,
    }));
    return { read, stale: [], failed: [] };
  }

  wake(): void {
    if (this.#readerId !== null) this.o.redis.client("UNBLOCK", this.#readerId).catch(() => {});
  }

  /** Nothing to end: `read` returns only when its one read is done. */
  release(): Promise<void> {
    return Promise.resolve();
  }

  close(): void {}
}

type Settled = { raw: RawEntry[] } | { err: unknown };

class PerPartitionReader implements PartitionReader {
  #conns = new Map<number, Redis>();
  #inflight = new Map<number, { done: Promise<void>; settled?: Settled }>();
  #wake: () => void = () => {};

  constructor(private readonly o: ReaderOptions) {}

  /** Each partition's connections carry their own name, so `release` can find its read. */
  #name(p: number): string {
    return `${this.o.workerId}.read.p${p}`;
  }

  #conn(p: number): Redis {
    let c = this.#conns.get(p);
    if (!c) {
      const cluster = this.o.reader as Cluster;
      c = cluster.duplicate(undefined, {
        redisOptions: { ...cluster.options.redisOptions, connectionName: this.#name(p) },
      });
      c.on("error", () => {}); // the read reports it
      this.#conns.set(p, c);
    }
    return c;
  }

  async read(partitions: number[]): Promise<ReadResult> {
    const readable = new Set(partitions);
    for (const p of readable) {
      if (this.#inflight.has(p)) continue;
      const stream = this.o.keys.partition(p);
      const slot: { done: Promise<void>; settled?: Settled } = { done: Promise.resolve() };
      slot.done = xreadgroup(this.#conn(p), this.o, [stream]).then(
        (res) => void (slot.settled = { raw: res?.[0]?.[1] ?? [] }),
        (err) => void (slot.settled = { err }),
      );
      this.#inflight.set(p, slot);
    }
    const woken = new Promise<void>((resolve) => (this.#wake = resolve));
    const waiting = [...this.#inflight].filter(([p]) => readable.has(p)).map(([, s]) => s.done);
    await Promise.race([woken, ...waiting]);
    const out: ReadResult = { read: [], stale: [], failed: [] };
    for (const [p, s] of this.#inflight) {
      const settled = s.settled;
      if (!settled) continue;
      this.#inflight.delete(p);
      if ("err" in settled) out.failed.push({ partition: p, err: settled.err });
      else if (settled.raw.length === 0) continue;
      else if (readable.has(p)) {
        out.read.push({ partition: p, stream: this.o.keys.partition(p), raw: settled.raw });
      } else out.stale.push(p);
    }
    return out;
  }

  wake(): void {
    this.#wake();
  }

  async release(partitions: number[]): Promise<void> {
    await Promise.all(partitions.map(async (p) => {
      const slot = this.#inflight.get(p);
      if (!slot) return;
      // Unblocked, the read returns at once; if that fails it still ends within BLOCK_MS.
      if (!slot.settled) await this.#unblock(p).catch(() => {});
      await slot.done;
      this.#inflight.delete(p);
    }));
  }

  /** CLIENT UNBLOCK for the read of `p`, on the node that serves its stream. */
  async #unblock(p: number) {
    const node = nodeFor(this.o.redis as Cluster, this.o.keys.partition(p));
    if (!node) return;
    const clients = String(await node.client("LIST"));
    const ids = clients.split("\n").filter((l) => l.includes(` name=${this.#name(p)} `))
      .map((l) => /^id=(\d+)/.exec(l)?.[1]).filter((id): id is string => id !== undefined);
    await Promise.all(ids.map((id) => node.client("UNBLOCK", id)));
  }

  close(): void {
    for (const c of this.#conns.values()) c.disconnect();
    this.#conns.clear();
  }
}
