/**
 * Who is in a group: invite, join (open, by approval, or invite only), approve, decline, kick,
 * leave. Repeats are no-ops (inviting a member, kicking a former member, leaving twice), and a
 * kick racing a leave is serialized by the group's partition: whichever runs second finds the
 * member gone and changes nothing. Every check runs before the first write.
 */
import { ErrorCode, type ServerFrame } from "@im/protocol";
import { PermanentError } from "@im/shared/errors";
import { existingUsers } from "../users/tables.ts";
import { type Act, type ActBase, groupAction } from "./action.ts";
import { checkGroup, checkInviter, checkRole, checkTarget, isCurrent } from "./rights.ts";
import { rememberGroup } from "./state.ts";
import {
  addRequest,
  type GroupRow,
  joinMembers,
  markLeft,
  saveGroup,
  takeRequest,
} from "./tables.ts";

const full = (max: number) =>
  new PermanentError(ErrorCode.GROUP_FULL, `a group has at most ${max} members`);

/** Adds users (checked already) and their notice; lifts any watch block a removal left. */
async function admit(
  a: ActBase,
  users: string[],
  event: "invited" | "joined",
) {
  const seq = await a.notices.add({ event, actor: a.e.env.userId, users });
  await joinMembers(
    a.ctx.tx,
    a.conversationId,
    users.map((userId) => ({ userId, role: "member" })),
    seq - 1,
    a.ctx.now,
  );
  await resize(a, users.length);
  a.ctx.outbox.watch({ op: "allow", conversationId: a.conversationId, userIds: users });
}

async function resize(a: ActBase, by: number) {
  const g: GroupRow = { ...a.group!, memberCount: a.group!.memberCount + by };
  await saveGroup(a.ctx.tx, g, a.ctx.now);
  rememberGroup(a.ctx, g);
}

/** Removes current members at a notice that they still see; their live feed stops at once. */
async function remove(a: ActBase, users: string[], seq: number) {
  await markLeft(a.ctx.tx, a.conversationId, users, seq);
  await resize(a, -users.length);
  a.ctx.outbox.watch({
    op: "unwatch",
    conversationId: a.conversationId,
    userIds: users,
    blockMs: a.ctx.config.groupWatchTtlSec * 1000,
  });
}

export const handleInvite = groupAction<"group.invite">((d) => d.userIds, async (a) => {
  const err = checkInviter(a.group, a.me);
  if (err) return err;
  const named = [...new Set(a.data.userIds)];
  const known = await existingUsers(a.ctx.tx, named);
  if (named.some((u) => !known.has(u))) {
    return new PermanentError(ErrorCode.NO_SUCH_USER, "no such user");
  }
  const added = named.filter((u) => !isCurrent(a.targets.get(u)));
  if (added.length === 0) return { users: [] };
  const max = a.ctx.config.groupMaxMembers;
  if (a.group!.memberCount + added.length > max) return full(max);
  await admit(a, added, "invited");
  for (const u of added) await takeRequest(a.ctx.tx, a.conversationId, u);
  return { users: added };
});

export const handleJoin = groupAction<"group.join">(() => [], async (a) => {
  const err = checkGroup(a.group, a.me, { outsiderOk: true });
  if (err) return err;
  const g = a.group!;
  if (isCurrent(a.me)) return {};
  if (g.joinPolicy === "invite") {
    return new PermanentError(ErrorCode.INVITE_ONLY, "this group takes members by invitation only");
  }
  const max = a.ctx.config.groupMaxMembers;
  if (g.memberCount + 1 > max) return full(max);
  if (g.joinPolicy === "open") {
    await admit(a, [a.e.env.userId], "joined");
    return {};
  }
  const request = {
    conversationId: a.conversationId,
    userId: a.e.env.userId,
    message: a.data.message ?? "",
    at: a.ctx.now,
  };
  if (await addRequest(a.ctx.tx, request)) {
    const frame: ServerFrame = { type: "group.request", data: request };
    a.ctx.outbox.toUsers(await moderators(a), frame);
  }
  return { pending: true };
});

async function moderators(a: Act<"group.join">): Promise<string[]> {
  const rows = await a.ctx.tx.selectFrom("conversation_members").select("user_id")
    .where("conversation_id", "=", a.conversationId).where("left_seq", "is", null)
    .where("role", "in", ["owner", "admin"]).execute();
  return rows.map((r) => String(r.user_id));
}

export const handleApprove = groupAction<"group.approve">((d) => [d.userId], async (a) => {
  const err = checkRole(a.group, a.me, "admin", "approving requests");
  if (err) return err;
  if (isCurrent(a.targets.get(a.data.userId))) return {};
  const max = a.ctx.config.groupMaxMembers;
  if (a.group!.memberCount + 1 > max) return full(max);
  if (!(await takeRequest(a.ctx.tx, a.conversationId, a.data.userId))) return noRequest();
  await admit(a, [a.data.userId], "joined");
  return {};
});

const noRequest = () =>
  new PermanentError(ErrorCode.NO_SUCH_JOIN_REQUEST, "that user has no pending request");

export const handleDecline = groupAction<"group.decline">((d) => [d.userId], async (a) => {
  const err = checkRole(a.group, a.me, "admin", "declining requests");
  if (err) return err;
  if (!(await takeRequest(a.ctx.tx, a.conversationId, a.data.userId))) {
    return isCurrent(a.targets.get(a.data.userId)) ? {} : noRequest();
  }
  a.ctx.outbox.toUser(a.data.userId, {
    type: "group.declined",
    data: { conversationId: a.conversationId, by: a.e.env.userId },
  });
  return {};
});

export const handleKick = groupAction<"group.kick">((d) => d.userIds, async (a) => {
  const err = checkRole(a.group, a.me, "admin", "removing members");
  if (err) return err;
  const named = [...new Set(a.data.userIds)];
  // Already gone: nothing to do for them (a repeated kick, or a leave that came first).
  const present = named.filter((u) => u === a.e.env.userId || isCurrent(a.targets.get(u)));
  for (const u of present) {
    const bad = checkTarget(a.me!, a.targets.get(u), "remove");
    if (bad) return bad;
  }
  if (present.length === 0) return { users: [] };
  const seq = await a.notices.add(
    { event: "kicked", actor: a.e.env.userId, users: present },
    present,
  );
  await remove(a, present, seq);
  return { users: present };
});

export const handleLeave = groupAction<"group.leave">(() => [], async (a) => {
  const err = checkGroup(a.group, a.me);
  if (err) return err;
  if (!isCurrent(a.me)) return {}; // left already, or removed
  if (a.me.role === "owner") {
    return new PermanentError(
      ErrorCode.OWNER_CANNOT_LEAVE,
      "the owner must transfer ownership or dissolve the group",
    );
  }
  const me = a.e.env.userId;
  const seq = await a.notices.add({ event: "left", actor: me }, [me]);
  await remove(a, [me], seq);
  return {};
});
