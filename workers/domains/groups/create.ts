/**
 * group.create: the creator owns the new group; the members named join with it, seeing it from
 * its "created" notice (seq 1). The frame is keyed by the creator (the group has no id, so no
 * partition, before it exists); `clientKey` makes a resend answer the group it made.
 */
import { ErrorCode, groupConversationId } from "@im/protocol";
import { PermanentError } from "@im/shared/errors";
import type { Entry, TxContext, TxHandler } from "../../context.ts";
import { existingUsers } from "../users/tables.ts";
import { infoOf } from "./info.ts";
import { checkTexts } from "./limits.ts";
import { Notices } from "./notices.ts";
import { rememberGroup } from "./state.ts";
import { groupByKey, type GroupRow, insertGroup, joinMembers, memberRowsOf } from "./tables.ts";

type CreateEntry = Entry<"group.create">;

export const handleGroupCreate: TxHandler<"group.create"> = async (ctx, entries) => {
  for (const e of entries) await createOne(ctx, e);
};

async function createOne(ctx: TxContext, e: CreateEntry) {
  const me = e.env.userId;
  const d = e.env.frame.data;
  const prior = await groupByKey(ctx.tx, me, d.clientKey);
  if (prior) {
    const mine = (await memberRowsOf(ctx.tx, prior.conversationId, [me])).get(me);
    return ctx.reply(e, { type: "group.info", data: infoOf(prior, mine, ctx.config) });
  }
  const members = [...new Set(d.members)].filter((u) => u !== me);
  const err = checkTexts(d, ctx.config) ?? (await checkMembers(ctx, members));
  if (err) return ctx.reject(e, err);
  const group: GroupRow = {
    conversationId: groupConversationId(ctx.nextId()),
    name: d.name,
    avatar: d.avatar ?? "",
    announcement: d.announcement ?? "",
    joinPolicy: d.joinPolicy ?? "invite",
    ownerId: me,
    memberCount: members.length + 1,
    mutedAll: false,
    createdAt: ctx.now,
    dissolvedAt: null,
  };
  const notices = new Notices(ctx, e, group.conversationId);
  const { name, avatar, announcement, joinPolicy } = group;
  await notices.add({
    event: "created",
    actor: me,
    users: members,
    fields: { name, avatar, announcement, joinPolicy },
  });
  await insertGroup(ctx.tx, { ...group, creatorId: me, clientKey: d.clientKey });
  await joinMembers(
    ctx.tx,
    group.conversationId,
    [
      { userId: me, role: "owner" },
      ...members.map((userId) => ({ userId, role: "member" as const })),
    ],
    0,
    ctx.now,
  );
  rememberGroup(ctx, group);
  await notices.store();
  const owner = { role: "owner" as const, mutedUntil: null, leftSeq: null };
  ctx.reply(e, { type: "group.info", data: infoOf(group, owner, ctx.config) });
  await notices.emit();
}

async function checkMembers(ctx: TxContext, members: string[]) {
  const max = ctx.config.groupMaxMembers;
  if (members.length + 1 > max) {
    return new PermanentError(ErrorCode.GROUP_FULL, `a group has at most ${max} members`);
  }
  const known = await existingUsers(ctx.tx, members);
  return members.every((u) => known.has(u))
    ? null
    : new PermanentError(ErrorCode.NO_SUCH_USER, "no such user");
}
