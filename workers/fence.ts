/**
 * The fencing check at commit: inside the batch's transaction, the partition's committed fence
 * row is locked and compared. A worker whose lease passed to a newer owner (paused, partitioned)
 * holds a smaller fence and is refused, so it can never write after losing ownership.
 */
import { sql } from "kysely";
import { type Exec, insertRows, later } from "@im/shared/db";
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
 * The check itself, one statement whatever the number of partitions: each fence row is locked
 * to commit (a newer owner's raise waits for us, then refuses us), a smaller stored fence is
 * raised, and a larger one makes the statement fail (the NOT NULL column cannot take the NULL
 * the IF gives; MariaDB refuses that in every sql_mode), so the check needs no reply of its own.
 */
function claimQuery(claims: Array<{ partition: number; fence: number }>) {
  const sorted = [...claims].sort((a, b) => a.partition - b.partition); // one lock order
  return insertRows(
    "partition_fences",
    ["partition_id", "fence"],
    sorted.map((c) => [c.partition, String(c.fence)]),
    "`fence` = IF(fence > VALUES(fence), NULL, GREATEST(fence, VALUES(fence)))",
  );
}

/** Checks (and raises) several partitions' fences inside a batch transaction, now. */
export async function claimFences(
  db: Exec,
  claims: Array<{ partition: number; fence: number }>,
): Promise<void> {
  try {
    await db.executeQuery(claimQuery(claims).compile());
  } catch (err) {
    throw fenceError(err, claims);
  }
}

/**
 * The same check held (shared/db/write_behind.ts): it runs first, with the transaction's first
 * statement, and costs no round trip; a refusal fails that statement or the commit, and the
 * caller passes the error through fenceError.
 */
export function holdFences(
  db: Exec,
  claims: Array<{ partition: number; fence: number }>,
): Promise<void> {
  return later(db, claimQuery(claims));
}

/** A refused fence check as a FencedError (of the first partition when several); else `err`. */
export function fenceError(err: unknown, claims: Array<{ partition: number; fence: number }>) {
  const e = err as { errno?: number; message?: string } | null;
  if (e?.errno !== 1048 || !/'fence'/.test(e.message ?? "") || claims.length === 0) return err;
  const first = [...claims].sort((a, b) => a.partition - b.partition)[0];
  return new FencedError(first.partition, first.fence);
}
