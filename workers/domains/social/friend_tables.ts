/**
 * Table functions for `friendships` (two rows per friendship, one per side) and
 * `friend_requests` (pending ones only); each takes the executor. Every change between two
 * users runs on their pair's partition, so these need no row locks of their own.
 */
import type { Exec } from "@im/shared/db";
import type { TimeId } from "../paging/cursors.ts";

export interface FriendRow {
  friendId: string;
  remark: string;
  since: number;
}

export interface RequestRow {
  from: string;
  to: string;
  message: string;
  createdAt: number;
}

export async function friendship(db: Exec, userId: string, friendId: string) {
  const r = await db.selectFrom("friendships").select(["friend_id", "remark", "created_at"])
    .where("user_id", "=", userId).where("friend_id", "=", friendId).executeTakeFirst();
  return r ? toFriend(r) : null;
}

/** Which of these (user, friend) pairs are friends, as "user:friend". */
export async function friendPairs(db: Exec, pairs: Array<[string, string]>): Promise<Set<string>> {
  if (pairs.length === 0) return new Set();
  const users = [...new Set(pairs.map(([u]) => u))];
  const friends = [...new Set(pairs.map(([, f]) => f))];
  const rows = await db.selectFrom("friendships").select(["user_id", "friend_id"])
    .where("user_id", "in", users).where("friend_id", "in", friends).execute();
  return new Set(rows.map((r) => `${r.user_id}:${r.friend_id}`));
}

export async function addFriendship(db: Exec, a: string, b: string, at: number): Promise<void> {
  await db.insertInto("friendships").ignore().values([
    { user_id: a, friend_id: b, created_at: at },
    { user_id: b, friend_id: a, created_at: at },
  ]).execute();
}

/** Removes both sides; returns false when they were not friends. */
export async function removeFriendship(db: Exec, a: string, b: string): Promise<boolean> {
  const r = await db.deleteFrom("friendships").where((w) =>
    w.or([
      w.and([w("user_id", "=", a), w("friend_id", "=", b)]),
      w.and([w("user_id", "=", b), w("friend_id", "=", a)]),
    ])
  ).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

export async function setRemark(db: Exec, userId: string, friendId: string, remark: string) {
  await db.updateTable("friendships").set({ remark }).where("user_id", "=", userId)
    .where("friend_id", "=", friendId).execute();
}

export async function pendingRequest(db: Exec, from: string, to: string) {
  const r = await db.selectFrom("friend_requests").selectAll().where("from_id", "=", from)
    .where("to_id", "=", to).executeTakeFirst();
  return r ? toRequest(r) : null;
}

export async function addRequest(db: Exec, r: RequestRow): Promise<void> {
  await db.insertInto("friend_requests").values({
    from_id: r.from,
    to_id: r.to,
    message: r.message,
    created_at: r.createdAt,
  }).execute();
}

/** Deletes the pending request from -> to; false when there was none. */
export async function removeRequest(db: Exec, from: string, to: string): Promise<boolean> {
  const r = await db.deleteFrom("friend_requests").where("from_id", "=", from)
    .where("to_id", "=", to).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

/** A page of a user's friends, newest first, after `after`. */
export async function friendPage(db: Exec, userId: string, after: TimeId | null, limit: number) {
  let q = db.selectFrom("friendships").select(["friend_id", "remark", "created_at"])
    .where("user_id", "=", userId);
  if (after) {
    q = q.where((w) =>
      w.or([
        w("created_at", "<", asMs(after.t)),
        w.and([w("created_at", "=", asMs(after.t)), w("friend_id", "<", after.id)]),
      ])
    );
  }
  const rows = await q.orderBy("created_at", "desc").orderBy("friend_id", "desc").limit(limit + 1)
    .execute();
  return rows.map(toFriend);
}

/** A page of requests to (`in`) or from (`out`) a user, newest first. */
export async function requestPage(
  db: Exec,
  userId: string,
  direction: "in" | "out",
  after: TimeId | null,
  limit: number,
) {
  const [mine, other] = direction === "in" ? ["to_id", "from_id"] as const : [
    "from_id",
    "to_id",
  ] as const;
  let q = db.selectFrom("friend_requests").selectAll().where(mine, "=", userId);
  if (after) {
    q = q.where((w) =>
      w.or([
        w("created_at", "<", asMs(after.t)),
        w.and([w("created_at", "=", asMs(after.t)), w(other, "<", after.id)]),
      ])
    );
  }
  const rows = await q.orderBy("created_at", "desc").orderBy(other, "desc").limit(limit + 1)
    .execute();
  return rows.map(toRequest);
}

function toFriend(r: { friend_id: string; remark: string; created_at: string }): FriendRow {
  return { friendId: String(r.friend_id), remark: r.remark, since: Number(r.created_at) };
}

function toRequest(
  r: { from_id: string; to_id: string; message: string; created_at: string },
): RequestRow {
  return {
    from: String(r.from_id),
    to: String(r.to_id),
    message: r.message,
    createdAt: Number(r.created_at),
  };
}

/** A BIGINT time compared as a number (kysely types it as the string it selects as). */
const asMs = (t: number) => t as unknown as string;
