/**
 * Who may do what in a group: pure checks over the rows the worker read in the action's own
 * transaction (so the role that counts is the one at the time the worker runs it). A user who
 * is not a member sees a group as missing (NOT_FOUND), the same answer as for a group that does
 * not exist; a dissolved group answers GROUP_DISSOLVED to those who were in it.
 */
import { ErrorCode, type GroupRole } from "@im/protocol";
import { PermanentError } from "@im/shared/errors";
import type { GroupRow, MemberRow } from "./tables.ts";

const RANK: Record<GroupRole, number> = { member: 1, admin: 2, owner: 3 };

export const rankOf = (role: GroupRole) => RANK[role];
export const isModerator = (m: MemberRow | null | undefined) =>
  !!m && m.leftSeq === null && RANK[m.role] >= RANK.admin;
export const isCurrent = (m: MemberRow | null | undefined): m is MemberRow =>
  !!m && m.leftSeq === null;

export const notFound = () => new PermanentError(ErrorCode.NOT_FOUND, "no such group");
export const forbidden = (what: string) =>
  new PermanentError(ErrorCode.FORBIDDEN, `your role in this group does not allow ${what}`);
const dissolved = () => new PermanentError(ErrorCode.GROUP_DISSOLVED, "the group was dissolved");

/**
 * The group exists for this actor: it has a row for them (current or former member). Join is
 * the one action a non-member may take, so it asks with `outsiderOk`.
 */
export function checkGroup(
  group: GroupRow | undefined,
  me: MemberRow | undefined,
  opts: { outsiderOk?: boolean } = {},
): PermanentError | null {
  if (!group) return notFound();
  if (group.dissolvedAt !== null) return me || opts.outsiderOk ? dissolved() : notFound();
  if (!me && !opts.outsiderOk) return notFound();
  return null;
}

/** A current member with at least `least` (former members see the group as missing). */
export function checkRole(
  group: GroupRow | undefined,
  me: MemberRow | undefined,
  least: GroupRole,
  what: string,
): PermanentError | null {
  const err = checkGroup(group, me);
  if (err) return err;
  if (!isCurrent(me)) return notFound();
  return RANK[me.role] >= RANK[least] ? null : forbidden(what);
}

/** Acting on another member (kick, mute): only on someone of a lower rank, never oneself. */
export function checkTarget(me: MemberRow, target: MemberRow | undefined, what: string) {
  if (target?.userId === me.userId) {
    return new PermanentError(ErrorCode.SELF_TARGET, `you cannot ${what} yourself`);
  }
  if (!isCurrent(target)) {
    return new PermanentError(ErrorCode.NOT_A_MEMBER, "that user is not a member");
  }
  return RANK[target.role] < RANK[me.role] ? null : forbidden(`${what} a ${target.role}`);
}

/** Sending: a current member, not muted alone, not muted with everyone (moderators never are). */
export function checkSender(
  group: GroupRow | undefined,
  me: MemberRow | undefined,
  now: number,
): PermanentError | null {
  if (!group) return isCurrent(me) ? null : notFound(); // a group made outside this domain
  const err = checkGroup(group, me);
  if (err) return err;
  if (!isCurrent(me)) return notFound();
  if (me.mutedUntil !== null && me.mutedUntil > now) {
    return new PermanentError(ErrorCode.MUTED, `you are muted until ${me.mutedUntil}`);
  }
  if (group.mutedAll && !isModerator(me)) {
    return new PermanentError(ErrorCode.MUTED, "only the owner and admins can send now");
  }
  return null;
}

/** Invites: moderators always; members only where anyone may join. */
export function checkInviter(group: GroupRow | undefined, me: MemberRow | undefined) {
  const err = checkRole(group, me, "member", "inviting");
  if (err) return err;
  return isModerator(me) || group!.joinPolicy === "open" ? null : forbidden("inviting");
}
