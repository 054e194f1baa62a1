/**
 * Friends and blocks. Every change between two users runs on the partition of their direct chat
 * (`pairKey`), so requests, accepts, blocks and direct messages between them stay in order.
 * Lists are reads (any worker), paged with signed cursors.
 */
import { directConversationId } from "../conversations.ts";
import { userId } from "../fields.ts";
import { literal, object, optional, str } from "../schema.ts";
import { read, tx } from "../spec.ts";
import { pageCursor, pageLimit } from "./paging.ts";
import type { PublicProfile } from "./profiles.ts";

/** Partition key of anything between two users: their direct chat's. */
export const pairKey = (d: { userId: string }, me: string) => directConversationId(me, d.userId);

const target = object({ userId });
// Loose bounds: the worker enforces the configured limits with their own error codes.
const requestData = object({ userId, message: optional(str({ max: 1000 })) });
const remarkData = object({ userId, remark: str({ max: 1000 }) });
const page = object({ cursor: pageCursor, limit: pageLimit });

export const friendFrames = {
  /** Asks to be friends (a pending request from them to you is accepted instead). */
  "friend.request": tx(requestData, "friend.changed", pairKey),
  "friend.accept": tx(target, "friend.changed", pairKey),
  "friend.decline": tx(target, "friend.changed", pairKey),
  /** Withdraws your pending request. */
  "friend.cancel": tx(target, "friend.changed", pairKey),
  "friend.delete": tx(target, "friend.changed", pairKey),
  /** Your private name for a friend; "" removes it. */
  "friend.remark": tx(remarkData, "friend.changed", pairKey),
  "block.add": tx(target, "block.changed", pairKey),
  "block.remove": tx(target, "block.changed", pairKey),
  "friend.list": read(page, "friend.page"),
  "friend.requests": read(
    object({ direction: literal("in", "out"), cursor: pageCursor, limit: pageLimit }),
    "friend.requests.page",
  ),
  "block.list": read(page, "block.page"),
};

export interface FriendView extends PublicProfile {
  /** Your private name for them ("" when none). */
  remark: string;
  /** When you became friends (epoch ms). */
  since: number;
}

export interface FriendRequestView {
  from: string;
  to: string;
  message: string;
  createdAt: number;
  /** The other party's public profile (the requester for incoming, the addressee for outgoing). */
  user: PublicProfile;
}

export type FriendChangeKind =
  | "requested"
  | "accepted"
  | "declined"
  | "cancelled"
  | "deleted"
  | "remark";

/** One change to a friendship, as one of its two users sees it. */
export interface FriendChange {
  kind: FriendChangeKind;
  /** The other user (from the receiving user's side). */
  userId: string;
  /** Who made the change. */
  by: string;
  /** `requested`: the pending request. */
  request?: FriendRequestView;
  /** `accepted` and `remark`: the friend as you see them. */
  friend?: FriendView;
}

export interface BlockChange {
  userId: string;
  blocked: boolean;
  at: number;
}

export interface BlockedView extends PublicProfile {
  blockedAt: number;
}

export interface FriendServerData {
  /** Reply to every friend.* change, and pushed to both users' devices (a remark to yours only). */
  "friend.changed": FriendChange;
  /** Reply to block.add / block.remove, and pushed to your other devices (never to them). */
  "block.changed": BlockChange;
  "friend.page": { friends: FriendView[]; cursor?: string };
  "friend.requests.page": {
    direction: "in" | "out";
    requests: FriendRequestView[];
    cursor?: string;
  };
  "block.page": { blocked: BlockedView[]; cursor?: string };
}
