/**
 * Table functions for `friendships` (two rows per friendship, one per side) and
 * `friend_requests` (pending ones only); each takes the executor. Every change between two
 * users runs on their pair's partition, so these need no row locks of their own.
 */
import type { Exec } from "@im/shared/db";
import type { TimeId } from "../paging/cursors.ts";
import { type KeysetList, pageKeys } from "../paging/keyset.ts";

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
  const keys = pageKeys(FRIENDS, userId, after, limit + 1).as("k");
  const rows = await db.selectFrom(keys)
    .innerJoin(
      "friendships as f",
      (j) => j.onRef("f.friend_id", "=", "k.id").on("f.user_id", "=", userId),
    )
    .select(["f.friend_id", "f.remark", "f.created_at"])
    .orderBy("k.t", "desc").orderBy("k.id", "desc").execute();
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
  const list = direction === "in" ? REQUESTS_IN : REQUESTS_OUT;
  const keys = pageKeys(list, userId, after, limit + 1).as("k");
  const rows = await db.selectFrom(keys)
    .innerJoin(
      "friend_requests as r",
      (j) =>
        direction === "in"
          ? j.onRef("r.from_id", "=", "k.id").on("r.to_id", "=", userId)
          : j.onRef("r.to_id", "=", "k.id").on("r.from_id", "=", userId),
    )
    .select(["r.from_id", "r.to_id", "r.message", "r.created_at"])
    .orderBy("k.t", "desc").orderBy("k.id", "desc").execute();
  return rows.map(toRequest);
}

const FRIENDS: KeysetList = {
  table: "friendships",
  index: "ix_friends_page",
  owner: "user_id",
  time: "created_at",
  id: "friend_id",
};
const REQUESTS_IN: KeysetList = {
  table: "friend_requests",
  index: "ix_requests_in",
  owner: "to_id",
  time: "created_at",
  id: "from_id",
};
const REQUESTS_OUT: KeysetList = {
  ...REQUESTS_IN,
  index: "ix_requests_out",
  owner: "from_id",
  id: "to_id",
};

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
