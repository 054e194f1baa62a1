/**
 * One page of a per-user list, newest first by (time, id), read from the list's own index: a
 * derived table of the page's keys, which the caller joins for the other columns. The same
 * three choices as the conversation list (see inbox/tables.ts `listQuery`), each of which kept
 * MariaDB from reading the index from its end on every page (page k reading k pages of rows):
 * keys first, the index forced, and the position as one bound with the tie on the id beside it.
 */
import { sql } from "kysely";
import type { TimeId } from "./cursors.ts";

export interface KeysetList {
  table: "friendships" | "friend_requests" | "user_blocks";
  /** An index on (owner, time, id). */
  index: "ix_friends_page" | "ix_requests_in" | "ix_requests_out" | "ix_blocks_page";
  owner: string;
  time: string;
  id: string;
}

/** `(SELECT time AS t, id AS id ...)`: the keys of the page after `after`, to alias and join. */
export function pageKeys(l: KeysetList, ownerId: string, after: TimeId | null, limit: number) {
  const [t, id] = [sql.ref(l.time), sql.ref(l.id)];
  // The time as a number: a BIGINT range is not scanned against a string parameter.
  const below = after
    ? sql`AND ${t} <= ${after.t} AND (${t} < ${after.t} OR ${id} < ${after.id})`
    : sql``;
  return sql<{ t: string; id: string }>`(SELECT ${t} AS t, ${id} AS id
    FROM ${sql.table(l.table)} FORCE INDEX (${sql.raw(l.index)})
    WHERE ${sql.ref(l.owner)} = ${ownerId} ${below}
    ORDER BY ${t} DESC, ${id} DESC LIMIT ${limit})`;
}
