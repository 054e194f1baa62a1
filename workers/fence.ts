/**
 * The fencing check at commit: inside the batch's transaction, the partition's committed fence
 * row is locked and compared. A worker whose lease passed to a newer owner (paused, partitioned)
 * holds a smaller fence and is refused, so it can never write after losing ownership.
 */
import { sql } from "kysely";
import type { Exec } from "./tables/messages.ts";
import { FencedError } from "./errors.ts";

export async function claimFence(db: Exec, partition: number, fence: number): Promise<void> {
  // Creates the row if missing and raises it to our fence if we are newer; never lowers it.
  await sql`INSERT INTO partition_fences (partition_id, fence) VALUES (${partition}, ${fence})
    ON DUPLICATE KEY UPDATE fence = GREATEST(fence, VALUES(fence))`.execute(db);
  const row = await db.selectFrom("partition_fences").select("fence")
    .where("partition_id", "=", partition).forUpdate().executeTakeFirstOrThrow();
  const current = Number(row.fence);
  if (current > fence) throw new FencedError(partition, fence, current);
}
