/**
 * The message path's one call into search: `reindexMessages` queues msgIds in `search_outbox`
 * inside the caller's transaction (send, recall, edit). It is one small INSERT on InnoDB, so it
 * commits or rolls back with the message write, never fails on the full-text engine, and never
 * waits for it; the indexer (indexer.ts) applies the queue to the index after the commit.
 * Delete-for-me needs no call: a reader's cleared_seq is applied at query time.
 */
import type { Config } from "@im/shared/config";
import { type Exec, insertRows, later } from "@im/shared/db";

/** `TxContext` satisfies it: `await reindexMessages(ctx, [msgId])`. */
export interface IndexingContext {
  tx: Exec;
  config: Pick<Config, "searchEngine">;
}

/** Queues these messages to be indexed again from their stored row (whatever changed). */
export async function reindexMessages(ctx: IndexingContext, msgIds: string[]): Promise<void> {
  if (msgIds.length === 0 || ctx.config.searchEngine === "off") return;
  await later(
    ctx.tx,
    insertRows("search_outbox", ["msg_id"], msgIds.map((msgId) => [msgId])),
  );
}
