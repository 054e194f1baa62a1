/**
 * Rebuilds the index from the messages table, in msgId order, a chunk per transaction: each
 * chunk's entries are written from the stored rows, unsearchable ones (recalled, notices) and
 * entries with no message are removed. Each chunk holds the indexer's lock (search_state), so a
 * live indexer never interleaves an older read with it; the system keeps running meanwhile, and
 * changes during the rebuild still reach the index through the outbox.
 */
import type { Db, Exec } from "@im/shared/db";
import { sql } from "kysely";
import { applyToIndex } from "./indexer.ts";
import type { SearchIndex } from "./index/port.ts";

const CHUNK = 2000;

export interface RebuildProgress {
  done: number;
  total: number;
  written: number;
  removed: number;
}

export async function rebuildIndex(
  db: Db,
  indexOn: (db: Exec) => SearchIndex,
  onProgress: (p: RebuildProgress) => void = () => {},
): Promise<RebuildProgress> {
  const counted = await db.selectFrom("messages").select(sql<string>`COUNT(*)`.as("n"))
    .executeTakeFirstOrThrow();
  const p: RebuildProgress = { done: 0, total: Number(counted.n), written: 0, removed: 0 };
  onProgress({ ...p });
  let after = "0";
  for (;;) {
    const last = await db.transaction().execute(async (tx) => {
      await tx.selectFrom("search_state").select("id").where("id", "=", 1).forUpdate().execute();
      const ids = (await tx.selectFrom("messages").select("msg_id").where("msg_id", ">", after)
        .orderBy("msg_id").limit(CHUNK).execute()).map((r) => String(r.msg_id));
      const upTo = ids.at(-1);
      let orphans = tx.selectFrom("search_index").select("msg_id").where("msg_id", ">", after);
      if (upTo) orphans = orphans.where("msg_id", "<=", upTo);
      const stray = (await orphans.execute()).map((r) => String(r.msg_id))
        .filter((id) => !ids.includes(id));
      const r = await applyToIndex(tx, indexOn(tx), [...ids, ...stray]);
      p.written += r.written;
      p.removed += r.removed;
      p.done += ids.length;
      return upTo ?? null;
    });
    onProgress({ ...p, total: Math.max(p.total, p.done) });
    if (last === null) break;
    after = last;
  }
  return { ...p, total: Math.max(p.total, p.done) };
}
