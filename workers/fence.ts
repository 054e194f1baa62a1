/**
 * The fencing check at commit: inside the batch's transaction, the partition's committed fence
 * row is locked and compared. A worker whose lease passed to a newer owner (paused, partitioned)
 * holds a smaller fence and is refused, so it can never write after losing ownership.
 */
import { sql } from "kysely";
import type { Exec } from "@im/shared/db";
import { FencedError } from "./errors.ts";

/** Raises the committed fence to a new owner's token (at acquisition, before any batch). */
export async function raiseFence(db: Exec, partition: number, fence: number): Promise<void> {
  await db.insertInto("partition_fences")
    .values({ partition_id: partition, fence: String(fence) })
    .onDuplicateKeyUpdate({ fence: sql`GREATEST(fence, VALUES(fence))` })
    .execute();
}

export function claimFence(db: Exec, partition: number, fence: number): Promise<void> {
  return claimFences(db, [{ partition, fence }]);
}

/**
 * Checks several partitions' fences inside a batch transaction: the rows are locked to commit
 * (a newer owner's raise waits for us, then refuses us), a larger stored fence is refused, and a
 * smaller one is raised. One statement in the common case, whatever the number of partitions.
 */
export async function claimFences(
  db: Exec,
  claims: Array<{ partition: number; fence: number }>,
): Promise<void> {
  claims = [...claims].sort((a, b) => a.partition - b.partition); // one lock order for everyone
  const rows = await db.selectFrom("partition_fences").select(["partition_id", "fence"])
    .where("partition_id", "in", claims.map((c) => c.partition)).forUpdate().execute();
  const current = new Map(rows.map((r) => [Number(r.partition_id), Number(r.fence)]));
  for (const c of claims) {
    const f = current.get(c.partition) ?? 0;
    if (f > c.fence) throw new FencedError(c.partition, c.fence, f);
  }
  const behind = claims.filter((c) => (current.get(c.partition) ?? 0) < c.fence);
  if (behind.length) {
    await db.insertInto("partition_fences")
      .values(behind.map((c) => ({ partition_id: c.partition, fence: String(c.fence) })))
      .onDuplicateKeyUpdate({ fence: sql`GREATEST(fence, VALUES(fence))` })
      .execute();
  }
}
