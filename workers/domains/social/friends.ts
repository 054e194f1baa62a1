/**
 * friend.request / accept / decline / cancel / delete / remark. Each runs on the pair's
 * partition, checks (`checkX` style: refusals first, nothing written), then writes and emits one
 * `friend.changed` per side: the reply to the asking connection, the same frame to the asker's
 * other devices, and the other user's view of it to their devices (a remark stays private).
 */
import { ErrorCode, type FriendChange, type FriendChangeKind } from "@im/protocol";
import { PermanentError } from "@im/shared/errors";
import type { Entry, TxContext, TxHandler } from "../../context.ts";
import { profilesOf } from "../profiles/tables.ts";
import { blockedEitherWay } from "./blocks.ts";
import { chars, checkExists, CONTROL, eachEntry, refused } from "./common.ts";
import {
  addFriendship,
  addRequest,
  friendship,
  pendingRequest,
  removeFriendship,
  removeRequest,
  setRemark,
} from "./friend_tables.ts";

type AnyEntry =
  | Entry<"friend.request">
  | Entry<"friend.accept">
  | Entry<"friend.decline">
  | Entry<"friend.cancel">
  | Entry<"friend.delete">
  | Entry<"friend.remark">;

const noRequest = () => new PermanentError(ErrorCode.NO_SUCH_REQUEST, "no such pending request");
const notFriends = () => new PermanentError(ErrorCode.NOT_FRIENDS, "you are not friends");

/** Emits a change to both sides (`toThem: false` keeps it to the asker's devices). */
async function emit(
  ctx: TxContext,
  e: AnyEntry,
  them: string,
  kind: FriendChangeKind,
  extra: { request?: { message: string; createdAt: number; from: string; to: string } } = {},
  toThem = true,
) {
  const me = e.env.userId;
  const profiles = await profilesOf(ctx.tx, [me, them]);
  const sideOf = async (viewer: string, other: string): Promise<FriendChange> => {
    const change: FriendChange = { kind, userId: other, by: me };
    if (extra.request) change.request = { ...extra.request, user: profiles.get(other)! };
    if (kind === "accepted" || kind === "remark") {
      const f = await friendship(ctx.tx, viewer, other);
      if (f) change.friend = { ...profiles.get(other)!, remark: f.remark, since: f.since };
    }
    return change;
  };
  const mine = { type: "friend.changed", data: await sideOf(me, them) } as const;
  ctx.reply(e, mine);
  ctx.outbox.toUser(me, mine, { exceptConnId: e.env.connId });
  if (toThem) ctx.outbox.toUser(them, { type: "friend.changed", data: await sideOf(them, me) });
}

async function accept(ctx: TxContext, e: AnyEntry, me: string, requester: string) {
  await removeRequest(ctx.tx, requester, me);
  await removeRequest(ctx.tx, me, requester);
  await addFriendship(ctx.tx, me, requester, ctx.now);
  await emit(ctx, e, requester, "accepted");
}

export const handleFriendRequest: TxHandler<"friend.request"> = (ctx, entries) =>
  eachEntry(ctx, entries, async (e, me, them) => {
    const message = e.env.frame.data.message ?? "";
    const max = ctx.config.friendRequestMaxChars;
    if (chars(message) > max || CONTROL.test(message)) {
      return new PermanentError(
        ErrorCode.REQUEST_MESSAGE_LENGTH,
        `message must have at most ${max} characters, no control characters`,
      );
    }
    const missing = await checkExists(ctx, them);
    if (missing) return missing;
    if (await blockedEitherWay(ctx.tx, me, them)) return refused();
    if (await friendship(ctx.tx, me, them)) {
      return new PermanentError(ErrorCode.ALREADY_FRIENDS, "you are friends already");
    }
    if (await pendingRequest(ctx.tx, me, them)) {
      return new PermanentError(ErrorCode.REQUEST_PENDING, "your request is pending");
    }
    // They asked first: both want it, so this is an accept.
    if (await pendingRequest(ctx.tx, them, me)) return await accept(ctx, e, me, them);
    const request = { from: me, to: them, message, createdAt: ctx.now };
    await addRequest(ctx.tx, request);
    await emit(ctx, e, them, "requested", { request });
  });

export const handleFriendAccept: TxHandler<"friend.accept"> = (ctx, entries) =>
  eachEntry(ctx, entries, async (e, me, requester) => {
    if (!(await pendingRequest(ctx.tx, requester, me))) return noRequest();
    if (await blockedEitherWay(ctx.tx, me, requester)) return refused();
    await accept(ctx, e, me, requester);
  });

export const handleFriendDecline: TxHandler<"friend.decline"> = (ctx, entries) =>
  eachEntry(ctx, entries, async (e, me, requester) => {
    if (!(await removeRequest(ctx.tx, requester, me))) return noRequest();
    await emit(ctx, e, requester, "declined");
  });

export const handleFriendCancel: TxHandler<"friend.cancel"> = (ctx, entries) =>
  eachEntry(ctx, entries, async (e, me, them) => {
    if (!(await removeRequest(ctx.tx, me, them))) return noRequest();
    await emit(ctx, e, them, "cancelled");
  });

export const handleFriendDelete: TxHandler<"friend.delete"> = (ctx, entries) =>
  eachEntry(ctx, entries, async (e, me, them) => {
    if (!(await removeFriendship(ctx.tx, me, them))) return notFriends();
    await emit(ctx, e, them, "deleted");
  });

export const handleFriendRemark: TxHandler<"friend.remark"> = (ctx, entries) =>
  eachEntry(ctx, entries, async (e, me, them) => {
    const remark = e.env.frame.data.remark.trim();
    const max = ctx.config.remarkMaxChars;
    if (chars(remark) > max || CONTROL.test(remark)) {
      return new PermanentError(
        ErrorCode.REMARK_LENGTH,
        `remark must have at most ${max} characters, no control characters`,
      );
    }
    if (!(await friendship(ctx.tx, me, them))) return notFriends();
    await setRemark(ctx.tx, me, them, remark);
    await emit(ctx, e, them, "remark", {}, false);
  });
