/**
 * The state of the inbound streams in one pipeline: length, the consumer group's lag (entries
 * not yet delivered; XINFO GROUPS, Redis 7) and pending entries (delivered, not acked), and who
 * holds each partition's lease. Worker metrics and the admin API read it.
 */
import { CONSUMER_GROUP, type Keys } from "../keys.ts";
import type { Redis } from "./connect.ts";
import { pipeline } from "./pipeline.ts";

export interface StreamStat {
  /** "p0".."p<n>", "reads", "ephemeral". */
  name: string;
  partition: number | null;
  length: number;
  /** NaN when Redis cannot tell (entries deleted from the middle). */
  lag: number;
  pending: number;
  /** Partitions only: "<workerId>:<fence>" of the lease holder, or null when none. */
  lease: string | null;
}

export async function readStreamStats(
  redis: Redis,
  keys: Keys,
  partitions: number,
): Promise<StreamStat[]> {
  const streams: Array<[string, string, number | null]> = [
    ...Array.from({ length: partitions }, (_, p) => [`p${p}`, keys.partition(p), p] as const),
    ["reads", keys.reads(), null],
    ["ephemeral", keys.ephemeral(), null],
  ] as Array<[string, string, number | null]>;
  const pipe = pipeline(redis);
  for (const [, key, p] of streams) {
    pipe.xlen(key).xinfo("GROUPS", key);
    if (p !== null) pipe.get(keys.partitionLease(p));
  }
  const res = (await pipe.exec()) ?? [];
  let i = 0;
  const next = () => res[i++] ?? [new Error("missing reply"), null];
  return streams.map(([name, , partition]) => {
    const [lenErr, len] = next();
    const [, groups] = next();
    const lease = partition === null ? null : next()[1];
    const group = groupInfo(groups);
    return {
      name,
      partition,
      length: lenErr ? NaN : Number(len),
      lag: group?.lag ?? NaN,
      pending: group?.pending ?? NaN,
      lease: typeof lease === "string" ? lease : null,
    };
  });
}

/** Our group's lag and pending from XINFO GROUPS' flat reply (lag is null when unknown). */
function groupInfo(reply: unknown): { lag: number; pending: number } | null {
  if (!Array.isArray(reply)) return null;
  for (const g of reply as unknown[][]) {
    const f = new Map<string, unknown>();
    for (let i = 0; i + 1 < g.length; i += 2) f.set(String(g[i]), g[i + 1]);
    if (f.get("name") !== CONSUMER_GROUP) continue;
    const lag = f.get("lag");
    return { lag: lag === null ? NaN : Number(lag), pending: Number(f.get("pending") ?? NaN) };
  }
  return null;
}
