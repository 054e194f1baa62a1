/**
 * The fencing check at commit: inside the batch's transaction, the partition's committed fence
 * row is locked and compared. A worker whose lease passed to a newer owner (paused, partitioned)
 * holds a smaller fence and is refused, so it can never write after losing ownership.
 */
import { sql } from "kysely";
import type { Exec } from "./tables/messages.ts";
import { FencedError } from "./errors.ts";

export function claimFence(db: Exec, partition: number, fence: number): Promise<void> {
  return claimFences(db, [{ partition, fence }]);
}

/** Claims several partitions' fences in two statements, whatever their number. */
export async function claimFences(
  db: Exec,
  claims: Array<{ partition: number; fence: number }>,
): Promise<void> {
  // Creates the rows if missing and raises them to our fences if we are newer; never lowers.
  // The upsert takes the row locks, held to commit: a newer owner's claim waits for us.
  claims = [...claims].sort((a, b) => a.partition - b.partition); // one lock order for everyone
  await db.insertInto("partition_fences")
    .values(claims.map((c) => ({ partition_id: c.partition, fence: String(c.fence) })))
    .onDuplicateKeyUpdate({ fence: sql`GREATEST(fence, VALUES(fence))` })
    .execute();
  const rows = await db.selectFrom("partition_fences").select(["partition_id", "fence"])
    .where("partition_id", "in", claims.map((c) => c.partition)).execute();
  const current = new Map(rows.map((r) => [Number(r.partition_id), Number(r.fence)]));
  for (const c of claims) {
    const f = current.get(c.partition) ?? 0;
    if (f > c.fence) throw new FencedError(c.partition, c.fence, f);
  }
}
