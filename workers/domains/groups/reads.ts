/**
 * Group reads (the read lane): a group's info, your groups, its members page by page, and the
 * pending join requests (owner and admins). Each reads only the rows it answers with.
 */
import type { ReadContext, ReadHandler } from "../../context.ts";
import { infoOf } from "./info.ts";
import { checkGroup, checkRole, isCurrent, notFound } from "./rights.ts";
import { groupsOfUser, loadGroups, memberRowsOf, membersPage, requestsOf } from "./tables.ts";

const DEFAULT_MEMBERS_PAGE = 100;

async function load(ctx: ReadContext, conversationId: string, userId: string) {
  const group = (await loadGroups(ctx.db, [conversationId])).get(conversationId);
  const me = group ? (await memberRowsOf(ctx.db, conversationId, [userId])).get(userId) : undefined;
  return { group, me };
}

/** Members and former members may look (a former member sees `role: null`); others may not. */
export const handleGroupInfo: ReadHandler<"group.info"> = async (ctx, e) => {
  const { conversationId } = e.env.frame.data;
  const { group, me } = await load(ctx, conversationId, e.env.userId);
  if (!group || !me) return ctx.reject(e, notFound());
  ctx.reply(e, { type: "group.info", data: infoOf(group, me, ctx.config) });
};

/** The groups you are in now (dissolved ones and those you left are left out). */
export const handleGroupList: ReadHandler<"group.list"> = async (ctx, e) => {
  const mine = (await groupsOfUser(ctx.db, e.env.userId))
    .filter(({ group, me }) => isCurrent(me) && group.dissolvedAt === null);
  ctx.reply(e, {
    type: "group.list",
    data: { groups: mine.map(({ group, me }) => infoOf(group, me, ctx.config)) },
  });
};

export const handleGroupMembers: ReadHandler<"group.members"> = async (ctx, e) => {
  const { conversationId, after, limit } = e.env.frame.data;
  const { group, me } = await load(ctx, conversationId, e.env.userId);
  const err = checkGroup(group, me) ?? (isCurrent(me) ? null : notFound());
  if (err) return ctx.reject(e, err);
  const page = await membersPage(ctx.db, conversationId, after, limit ?? DEFAULT_MEMBERS_PAGE);
  ctx.reply(e, {
    type: "group.members",
    data: {
      conversationId,
      members: page.rows.map((m) => ({
        userId: m.userId,
        role: m.role,
        joinedAt: m.joinedAt,
        mutedUntil: m.mutedUntil !== null && m.mutedUntil > ctx.now ? m.mutedUntil : null,
      })),
      next: page.more ? page.rows.at(-1)!.userId : null,
    },
  });
};

export const handleGroupRequests: ReadHandler<"group.requests"> = async (ctx, e) => {
  const { conversationId } = e.env.frame.data;
  const { group, me } = await load(ctx, conversationId, e.env.userId);
  const err = checkRole(group, me, "admin", "seeing join requests");
  if (err) return ctx.reject(e, err);
  ctx.reply(e, {
    type: "group.requests",
    data: { conversationId, requests: await requestsOf(ctx.db, conversationId) },
  });
};
