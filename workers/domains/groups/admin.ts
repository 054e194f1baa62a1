/**
 * Running a group: settings, roles, ownership, mutes, dissolving. Owners outrank admins,
 * admins outrank members; an action on another member needs a higher rank than theirs. Setting
 * what is already set is a no-op without a notice.
 */
import { ErrorCode, type GroupNotice } from "@im/protocol";
import { PermanentError } from "@im/shared/errors";
import { type ActBase, groupAction } from "./action.ts";
import { checkTexts } from "./limits.ts";
import { checkRole, checkTarget, isCurrent } from "./rights.ts";
import { diffusionOf, rememberGroup } from "./state.ts";
import { dropRequests, type GroupRow, markAllLeft, saveGroup, setMember } from "./tables.ts";

async function save(a: ActBase, g: GroupRow) {
  await saveGroup(a.ctx.tx, g, a.ctx.now);
  rememberGroup(a.ctx, g);
}

const targetIsMember = (a: ActBase, userId: string) => {
  if (userId === a.e.env.userId) {
    return new PermanentError(ErrorCode.SELF_TARGET, "you cannot do that to yourself");
  }
  return isCurrent(a.targets.get(userId))
    ? null
    : new PermanentError(ErrorCode.NOT_A_MEMBER, "that user is not a member");
};

export const handleUpdate = groupAction<"group.update">(() => [], async (a) => {
  const err = checkRole(a.group, a.me, "admin", "changing the group") ??
    checkTexts(a.data, a.ctx.config);
  if (err) return err;
  const g = a.group!;
  const { name, avatar, announcement, joinPolicy } = a.data;
  const fields: GroupNotice["fields"] = {};
  if (name !== undefined && name !== g.name) fields.name = name;
  if (avatar !== undefined && avatar !== g.avatar) fields.avatar = avatar;
  if (announcement !== undefined && announcement !== g.announcement) {
    fields.announcement = announcement;
  }
  if (joinPolicy !== undefined && joinPolicy !== g.joinPolicy) fields.joinPolicy = joinPolicy;
  if (Object.keys(fields).length === 0) return {};
  await a.notices.add({ event: "updated", actor: a.e.env.userId, fields });
  await save(a, { ...g, ...fields });
  return {};
});

export const handleRole = groupAction<"group.role">((d) => [d.userId], async (a) => {
  const err = checkRole(a.group, a.me, "owner", "changing roles") ??
    targetIsMember(a, a.data.userId);
  if (err) return err;
  const { userId, role } = a.data;
  if (a.targets.get(userId)!.role === role) return {};
  const event = role === "admin" ? "promoted" : "demoted";
  await a.notices.add({ event, actor: a.e.env.userId, users: [userId] });
  await setMember(a.ctx.tx, a.conversationId, userId, { role });
  return {};
});

export const handleTransfer = groupAction<"group.transfer">((d) => [d.userId], async (a) => {
  const err = checkRole(a.group, a.me, "owner", "transferring ownership") ??
    targetIsMember(a, a.data.userId);
  if (err) return err;
  const { userId } = a.data;
  await a.notices.add({ event: "transferred", actor: a.e.env.userId, users: [userId] });
  // The former owner stays on as an admin.
  await setMember(a.ctx.tx, a.conversationId, userId, { role: "owner", mutedUntil: null });
  await setMember(a.ctx.tx, a.conversationId, a.e.env.userId, { role: "admin" });
  await save(a, { ...a.group!, ownerId: userId });
  return {};
});

export const handleMute = groupAction<"group.mute">((d) => [d.userId], async (a) => {
  const err = checkRole(a.group, a.me, "admin", "muting members") ??
    checkTarget(a.me!, a.targets.get(a.data.userId), "mute");
  if (err) return err;
  const { userId, until } = a.data;
  const current = a.targets.get(userId)!.mutedUntil;
  const muted = current !== null && current > a.ctx.now;
  if (until === undefined) {
    if (!muted) return {};
    await a.notices.add({ event: "unmuted", actor: a.e.env.userId, users: [userId] });
    await setMember(a.ctx.tx, a.conversationId, userId, { mutedUntil: null });
    return {};
  }
  if (until <= a.ctx.now) {
    return new PermanentError(ErrorCode.MUTE_IN_PAST, "until must be in the future");
  }
  if (current === until) return {};
  await a.notices.add({ event: "muted", actor: a.e.env.userId, users: [userId], until });
  await setMember(a.ctx.tx, a.conversationId, userId, { mutedUntil: until });
  return {};
});

export const handleMuteAll = groupAction<"group.muteAll">(() => [], async (a) => {
  const err = checkRole(a.group, a.me, "admin", "muting the group");
  if (err) return err;
  if (a.group!.mutedAll === a.data.muted) return {};
  const event = a.data.muted ? "mutedAll" : "unmutedAll";
  await a.notices.add({ event, actor: a.e.env.userId });
  await save(a, { ...a.group!, mutedAll: a.data.muted });
  return {};
});

export const handleDissolve = groupAction<"group.dissolve">(() => [], async (a) => {
  const err = checkRole(a.group, a.me, "owner", "dissolving the group");
  if (err) return err;
  // Every member hears of it; a large group's watchers do, without a list of everyone.
  const everyone = diffusionOf(a.group, a.ctx.config) === "write"
    ? await a.ctx.members.ofOne(a.conversationId)
    : [a.e.env.userId];
  const seq = await a.notices.add({ event: "dissolved", actor: a.e.env.userId }, everyone);
  await markAllLeft(a.ctx.tx, a.conversationId, seq);
  await dropRequests(a.ctx.tx, a.conversationId);
  await save(a, { ...a.group!, dissolvedAt: a.ctx.now });
  return {};
});
