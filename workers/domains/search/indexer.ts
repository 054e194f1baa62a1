/**
 * Drains `search_outbox` into the index, after the message writes that queued it have
 * committed. Each round, in one InnoDB transaction: take the `search_state` row lock (SKIP
 * LOCKED: one indexer at a time across all workers, the others skip the round), read up to
 * BATCH queued msgIds in queue order, read their stored rows *now*, write or remove their index
 * entries, delete the queue rows. One indexer at a time is what makes it correct: an entry is
 * always written from a row read after the change that queued it, and no older read can
 * overwrite it. A crash before COMMIT leaves the queue rows: the next round writes the same
 * entries again (writes are idempotent), so Mroonga not being transactional costs nothing.
 */
import type { Db, Exec } from "@im/shared/db";
import type { Logger } from "@im/shared/log";
import { sleep } from "../../consumer/sleep.ts";
import { findByIds } from "../messages/tables.ts";
import { documentOf } from "./documents.ts";
import type { IndexDoc, SearchIndex } from "./index/port.ts";

const BATCH = 500;

export interface IndexerDeps {
  db: Db;
  /** The index adapter on an executor (the drain's transaction). */
  indexOn(db: Exec): SearchIndex;
  intervalMs: number;
  log: Logger;
  /** Called with the number of entries each round applied. */
  onApplied?(n: number): void;
}

export class SearchIndexer {
  constructor(private readonly d: IndexerDeps) {}

  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      let n = 0;
      try {
        n = await this.drainOnce();
      } catch (err) {
        this.d.log.warn("search indexer failed; will retry", { err });
      }
      // A full batch means more is queued: go on at once.
      if (n < BATCH) await sleep(this.d.intervalMs, signal);
    }
  }

  /** One round; returns how many queue rows it applied (0: empty, or another indexer's turn). */
  async drainOnce(): Promise<number> {
    // The common case, an empty queue, costs one autocommit read and no transaction.
    const any = await this.d.db.selectFrom("search_outbox").select("id").limit(1)
      .executeTakeFirst();
    if (!any) return 0;
    const n = await this.d.db.transaction().execute(async (tx) => {
      const turn = await tx.selectFrom("search_state").select("id").where("id", "=", 1)
        .forUpdate().skipLocked().executeTakeFirst();
      if (!turn) return 0;
      const queued = await tx.selectFrom("search_outbox").select(["id", "msg_id"])
        .orderBy("id").limit(BATCH).execute();
      if (queued.length === 0) return 0;
      await applyToIndex(tx, this.d.indexOn(tx), [...new Set(queued.map((r) => r.msg_id))]);
      await tx.deleteFrom("search_outbox").where("id", "in", queued.map((r) => r.id)).execute();
      await tx.updateTable("search_state").set({ indexed_at: Date.now() }).where("id", "=", 1)
        .execute();
      return queued.length;
    });
    if (n) this.d.onApplied?.(n);
    return n;
  }
}

/** Writes the entries of these messages from their stored rows (removing the unsearchable). */
export async function applyToIndex(db: Exec, index: SearchIndex, msgIds: string[]) {
  const stored = await findByIds(db, msgIds);
  const docs: IndexDoc[] = [];
  const removed: string[] = [];
  for (const id of msgIds) {
    const m = stored.get(id);
    const doc = m ? documentOf(m) : null;
    if (doc) docs.push(doc);
    else removed.push(id);
  }
  await index.write(docs, removed);
  return { written: docs.length, removed: removed.length };
}
