/**
 * Table functions for groups (`chat_groups`, `group_requests`, and the group columns of
 * `conversation_members`). Each takes the executor, so one handler composes them in its batch's
 * transaction.
 */
import { sql } from "kysely";
import type { GroupRole, JoinPolicy } from "@im/protocol";
import type { Exec } from "@im/shared/db";
import { byConversation } from "../conversations/tables.ts";

export interface GroupRow {
  conversationId: string;
  name: string;
  avatar: string;
  announcement: string;
  joinPolicy: JoinPolicy;
  ownerId: string;
  memberCount: number;
  mutedAll: boolean;
  createdAt: number;
  dissolvedAt: number | null;
}

export interface MemberRow {
  conversationId: string;
  userId: string;
  role: GroupRole;
  joinedAt: number;
  mutedUntil: number | null;
  clearedSeq: number;
  readSeq: number;
  /** Set for a former member (left, removed, or the group was dissolved). */
  leftSeq: number | null;
}

const toGroup = (r: Record<string, unknown>): GroupRow => ({
  conversationId: String(r.conversation_id),
  name: String(r.name),
  avatar: String(r.avatar),
  announcement: String(r.announcement),
  joinPolicy: String(r.join_policy) as JoinPolicy,
  ownerId: String(r.owner_id),
  memberCount: Number(r.member_count),
  mutedAll: Number(r.muted_all) === 1,
  createdAt: Number(r.created_at),
  dissolvedAt: r.dissolved_at == null ? null : Number(r.dissolved_at),
});

const toMember = (r: Record<string, unknown>): MemberRow => ({
  conversationId: String(r.conversation_id),
  userId: String(r.user_id),
  role: String(r.role) as GroupRole,
  joinedAt: Number(r.joined_at),
  mutedUntil: r.muted_until == null ? null : Number(r.muted_until),
  clearedSeq: Number(r.cleared_seq),
  readSeq: Number(r.read_seq),
  leftSeq: r.left_seq == null ? null : Number(r.left_seq),
});

export async function loadGroups(db: Exec, ids: string[], lock = false) {
  const out = new Map<string, GroupRow>();
  if (ids.length === 0) return out;
  let q = db.selectFrom("chat_groups").selectAll().where("conversation_id", "in", ids);
  if (lock) q = q.forUpdate();
  for (const r of await q.execute()) out.set(r.conversation_id, toGroup(r));
  return out;
}

export async function groupByKey(db: Exec, creatorId: string, clientKey: string) {
  const r = await db.selectFrom("chat_groups").selectAll().where("creator_id", "=", creatorId)
    .where("client_key", "=", clientKey).executeTakeFirst();
  return r ? toGroup(r) : null;
}

export async function insertGroup(
  db: Exec,
  g: GroupRow & { creatorId: string; clientKey: string },
): Promise<void> {
  await db.insertInto("chat_groups").values({
    conversation_id: g.conversationId,
    name: g.name,
    avatar: g.avatar,
    announcement: g.announcement,
    join_policy: g.joinPolicy,
    owner_id: g.ownerId,
    member_count: g.memberCount,
    muted_all: g.mutedAll ? 1 : 0,
    creator_id: g.creatorId,
    client_key: g.clientKey,
    created_at: g.createdAt,
    updated_at: g.createdAt,
  }).execute();
}

/** Writes the row's mutable fields as they are now. */
export async function saveGroup(db: Exec, g: GroupRow, at: number): Promise<void> {
  await db.updateTable("chat_groups").set({
    name: g.name,
    avatar: g.avatar,
    announcement: g.announcement,
    join_policy: g.joinPolicy,
    owner_id: g.ownerId,
    member_count: g.memberCount,
    muted_all: g.mutedAll ? 1 : 0,
    dissolved_at: g.dissolvedAt,
    updated_at: at,
  }).where("conversation_id", "=", g.conversationId).execute();
}

/** Member rows (current and former) of these users in one group, keyed by user id. */
export async function memberRowsOf(
  db: Exec,
  conversationId: string,
  userIds: string[],
  lock = false,
) {
  const out = new Map<string, MemberRow>();
  if (userIds.length === 0) return out;
  let q = db.selectFrom("conversation_members").selectAll()
    .where("conversation_id", "=", conversationId).where("user_id", "in", userIds);
  if (lock) q = q.forUpdate();
  for (const r of await q.execute()) out.set(String(r.user_id), toMember(r));
  return out;
}

/** The sender rows of several groups' sends: (conversation, user) pairs. */
export async function memberRowsByPair(
  db: Exec,
  pairs: Array<{ conversationId: string; userId: string }>,
): Promise<MemberRow[]> {
  if (pairs.length === 0) return [];
  const rows = await db.selectFrom("conversation_members").selectAll().where((eb) =>
    eb.or(
      byConversation(pairs).map(([c, users]) =>
        eb.and([eb("conversation_id", "=", c), eb("user_id", "in", users)])
      ),
    )
  ).execute();
  return rows.map(toMember);
}

/**
 * Makes users members (new, or former members again). They see the group from `seenAfter` on
 * (their join notice and later), never what was said while they were not in it.
 */
export async function joinMembers(
  db: Exec,
  conversationId: string,
  users: Array<{ userId: string; role: GroupRole }>,
  seenAfter: number,
  at: number,
): Promise<void> {
  if (users.length === 0) return;
  await db.insertInto("conversation_members").values(users.map((u) => ({
    conversation_id: conversationId,
    user_id: u.userId,
    role: u.role,
    joined_at: at,
    cleared_seq: seenAfter,
    read_seq: seenAfter,
    delivered_seq: seenAfter,
  }))).onDuplicateKeyUpdate({
    role: sql`VALUES(role)`,
    joined_at: sql`VALUES(joined_at)`,
    cleared_seq: sql`GREATEST(cleared_seq, VALUES(cleared_seq))`,
    read_seq: sql`GREATEST(read_seq, VALUES(read_seq))`,
    delivered_seq: sql`GREATEST(delivered_seq, VALUES(delivered_seq))`,
    left_seq: null,
    muted_until: null,
  }).execute();
}

/** Former members from `leftSeq` on: they keep what they saw up to it, and nothing after. */
export async function markLeft(
  db: Exec,
  conversationId: string,
  userIds: string[],
  leftSeq: number,
) {
  if (userIds.length === 0) return;
  await db.updateTable("conversation_members").set({ left_seq: leftSeq, muted_until: null })
    .where("conversation_id", "=", conversationId).where("user_id", "in", userIds)
    .where("left_seq", "is", null).execute();
}

/** Dissolving: every current member becomes a former member at the dissolve notice. */
export async function markAllLeft(db: Exec, conversationId: string, leftSeq: number) {
  await db.updateTable("conversation_members").set({ left_seq: leftSeq, muted_until: null })
    .where("conversation_id", "=", conversationId).where("left_seq", "is", null).execute();
}

export async function setMember(
  db: Exec,
  conversationId: string,
  userId: string,
  patch: { role?: GroupRole; mutedUntil?: number | null },
): Promise<void> {
  await db.updateTable("conversation_members").set({
    ...(patch.role ? { role: patch.role } : {}),
    ...(patch.mutedUntil !== undefined ? { muted_until: patch.mutedUntil } : {}),
  }).where("conversation_id", "=", conversationId).where("user_id", "=", userId).execute();
}

/** One page of current members, by user id. */
export async function membersPage(
  db: Exec,
  conversationId: string,
  after: string | undefined,
  limit: number,
) {
  let q = db.selectFrom("conversation_members").selectAll()
    .where("conversation_id", "=", conversationId).where("left_seq", "is", null);
  if (after) q = q.where("user_id", ">", after);
  const rows = await q.orderBy("user_id").limit(limit + 1).execute();
  return { rows: rows.slice(0, limit).map(toMember), more: rows.length > limit };
}

/** The groups a user is or was in, with their own row. */
export async function groupsOfUser(db: Exec, userId: string) {
  const rows = await db.selectFrom("conversation_members as m")
    .innerJoin("chat_groups as g", "g.conversation_id", "m.conversation_id")
    .selectAll("g").select([
      "m.user_id",
      "m.role",
      "m.joined_at",
      "m.muted_until",
      "m.cleared_seq",
      "m.read_seq",
      "m.left_seq",
    ])
    .where("m.user_id", "=", userId).orderBy("g.conversation_id").execute();
  return rows.map((r) => ({ group: toGroup(r), me: toMember(r) }));
}

export async function addRequest(
  db: Exec,
  r: { conversationId: string; userId: string; message: string; at: number },
): Promise<boolean> {
  const res = await db.insertInto("group_requests").ignore().values({
    conversation_id: r.conversationId,
    user_id: r.userId,
    message: r.message,
    created_at: r.at,
  }).executeTakeFirst();
  return Number(res.numInsertedOrUpdatedRows ?? 0) > 0;
}

/** Removes a pending request; true if there was one. */
export async function takeRequest(db: Exec, conversationId: string, userId: string) {
  const res = await db.deleteFrom("group_requests").where("conversation_id", "=", conversationId)
    .where("user_id", "=", userId).executeTakeFirst();
  return Number(res.numDeletedRows) > 0;
}

export async function requestsOf(db: Exec, conversationId: string) {
  const rows = await db.selectFrom("group_requests").selectAll()
    .where("conversation_id", "=", conversationId).orderBy("created_at").limit(500).execute();
  return rows.map((r) => ({
    conversationId: r.conversation_id,
    userId: String(r.user_id),
    message: r.message,
    at: Number(r.created_at),
  }));
}

export async function dropRequests(db: Exec, conversationId: string) {
  await db.deleteFrom("group_requests").where("conversation_id", "=", conversationId).execute();
}
