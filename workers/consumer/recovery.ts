/**
 * Reclaiming a partition's pending entries (a crashed or fenced predecessor's, or this worker's
 * own failed ones) before reading new ones, in id order. Entries that failed before are retried
 * one at a time so a poison entry cannot hold its neighbours back; past MAX_DELIVERIES they are
 * dead-lettered.
 */
import { CONSUMER_GROUP } from "@im/shared/keys";
import type { Redis } from "@im/shared/redis";
import type { Entry } from "../context.ts";
import type { PartitionBatch, RawEntry } from "../batch.ts";
import type { DeadLetters } from "./dead_letters.ts";

export interface ReclaimDeps {
  redis: Redis;
  workerId: string;
  batchSize: number;
  maxDeliveries: number;
  deadLetters: DeadLetters;
  decode(p: number, raw: RawEntry[]): Promise<Entry[]>;
  /** Runs one batch to its ack; false when it failed (the partition then waits to retry). */
  runBatch(b: PartitionBatch): Promise<boolean>;
}

/** True when nothing is left pending; false when a batch failed (retry later). */
export async function reclaimPending(
  d: ReclaimDeps,
  stream: string,
  partition: number,
  fence: number,
): Promise<boolean> {
  for (;;) {
    const pending = await d.redis.xpending(
      stream,
      CONSUMER_GROUP,
      "-",
      "+",
      d.batchSize,
    ) as Array<[string, string, number, number]>;
    if (pending.length === 0) return true;
    const firstSuspect = pending.findIndex(([, , , n]) => n > 1);
    const chunk = firstSuspect === 0
      ? pending.slice(0, 1)
      : pending.slice(0, firstSuspect < 0 ? undefined : firstSuspect);
    const counts = new Map(chunk.map(([id, , , n]) => [id, n + 1]));
    const claimed = await d.redis.xclaim(
      stream,
      CONSUMER_GROUP,
      d.workerId,
      0,
      ...chunk.map(([id]) => id),
    ) as RawEntry[];
    // Trimmed away or deleted meanwhile: nothing to run, only the pending record to drop.
    const gone = chunk.map(([id]) => id).filter((id) => !claimed.some(([c]) => c === id));
    if (gone.length) await d.redis.xack(stream, CONSUMER_GROUP, ...gone);
    const dead = claimed.filter(([id]) => counts.get(id)! > d.maxDeliveries);
    await d.deadLetters.bury(stream, partition, dead, "max deliveries exceeded", d.maxDeliveries);
    const live = claimed.filter(([id]) => counts.get(id)! <= d.maxDeliveries);
    const entries = await d.decode(partition, live);
    if (entries.length && !(await d.runBatch({ stream, partition, fence, entries }))) return false;
  }
}
