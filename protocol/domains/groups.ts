/**
 * Groups: management (stored, ordered per group on its partition), lists and receipts (the read
 * lane), and watching a large group's live feed (ephemeral). Every change to a group is a notice
 * stored as a message of kind "notice" (see `GroupNotice`). String limits here are only the
 * wire's outer bounds: workers enforce the configured ones (GROUP_*) with their own codes.
 */
import { groupIdSchema } from "../conversations.ts";
import { clientMsgId, seq, userId } from "../fields.ts";
import { bool, int, list, literal, object, optional, str } from "../schema.ts";
import { ephemeral, read, tx, userKey } from "../spec.ts";

export type GroupRole = "owner" | "admin" | "member";
export type JoinPolicy = "open" | "approval" | "invite";
/** Below GROUP_WRITE_DIFFUSION_MAX members every member gets an inbox entry per message. */
export type Diffusion = "write" | "read";

const joinPolicy = literal("open", "approval", "invite");
const name = str({ max: 1000 });
const avatar = str({ max: 4096 });
const announcement = str({ max: 20000 });
const users = (max: number) => list(userId, max);
const nonEmpty = (field: string) => (d: Record<string, unknown>) =>
  (d[field] as unknown[]).length === 0 ? `${field} must not be empty` : null;

const g = <T extends { conversationId: string }>(d: T) => d.conversationId;

export const groupFrames = {
  /**
   * A new group owned by its creator. `clientKey` makes it idempotent: the same key from the
   * same creator answers the group it made. Keyed by the creator (the group has no id yet).
   */
  "group.create": tx(
    object({
      clientKey: clientMsgId,
      name,
      avatar: optional(avatar),
      announcement: optional(announcement),
      joinPolicy: optional(joinPolicy),
      members: users(10000),
    }),
    "group.info",
    (_, u) => userKey(u),
  ),
  "group.update": tx(
    object(
      {
        conversationId: groupIdSchema,
        name: optional(name),
        avatar: optional(avatar),
        announcement: optional(announcement),
        joinPolicy: optional(joinPolicy),
      },
      (d) =>
        d.name === undefined && d.avatar === undefined && d.announcement === undefined &&
          d.joinPolicy === undefined
          ? "needs at least one of name, avatar, announcement, joinPolicy"
          : null,
    ),
    "group.ok",
    g,
  ),
  "group.invite": tx(
    object({ conversationId: groupIdSchema, userIds: users(1000) }, nonEmpty("userIds")),
    "group.ok",
    g,
  ),
  "group.join": tx(
    object({ conversationId: groupIdSchema, message: optional(str({ max: 500 })) }),
    "group.ok",
    g,
  ),
  "group.approve": tx(object({ conversationId: groupIdSchema, userId }), "group.ok", g),
  "group.decline": tx(object({ conversationId: groupIdSchema, userId }), "group.ok", g),
  "group.kick": tx(
    object({ conversationId: groupIdSchema, userIds: users(100) }, nonEmpty("userIds")),
    "group.ok",
    g,
  ),
  "group.leave": tx(object({ conversationId: groupIdSchema }), "group.ok", g),
  "group.dissolve": tx(object({ conversationId: groupIdSchema }), "group.ok", g),
  "group.transfer": tx(object({ conversationId: groupIdSchema, userId }), "group.ok", g),
  "group.role": tx(
    object({ conversationId: groupIdSchema, userId, role: literal("admin", "member") }),
    "group.ok",
    g,
  ),
  /** Mutes one member until `until` (epoch ms, in the future); without `until`, unmutes. */
  "group.mute": tx(
    object({
      conversationId: groupIdSchema,
      userId,
      until: optional(int({ min: 0, max: 2 ** 47 })),
    }),
    "group.ok",
    g,
  ),
  /** Mutes every member but the owner and admins (`muted: false` lifts it). */
  "group.muteAll": tx(object({ conversationId: groupIdSchema, muted: bool() }), "group.ok", g),

  "group.info": read(object({ conversationId: groupIdSchema }), "group.info"),
  "group.list": read(object({}), "group.list"),
  "group.members": read(
    object({
      conversationId: groupIdSchema,
      after: optional(userId),
      limit: optional(int({ min: 1, max: 200 })),
    }),
    "group.members",
  ),
  "group.requests": read(object({ conversationId: groupIdSchema }), "group.requests"),
  /** "Read by N" for your own messages of these seqs (others' seqs are left out). */
  "group.receipts": read(
    object({ conversationId: groupIdSchema, seqs: list(seq, 100) }, nonEmpty("seqs")),
    "group.receipts",
  ),
  /** Who read one of your messages, and who not yet (groups up to GROUP_RECEIPTS_DETAIL_MAX). */
  "group.readers": read(object({ conversationId: groupIdSchema, seq }), "group.readers"),

  /**
   * This connection wants the live feed of these groups. Above GROUP_WRITE_DIFFUSION_MAX
   * members a message is pushed only to watching connections; a watch lasts GROUP_WATCH_TTL_SEC
   * and is renewed by sending this again. Groups you are not a member of get NOT_FOUND.
   */
  "group.watch": ephemeral(
    object({ conversationIds: list(groupIdSchema, 500) }, nonEmpty("conversationIds")),
  ),
};

export interface GroupInfo {
  conversationId: string;
  name: string;
  avatar: string;
  announcement: string;
  joinPolicy: JoinPolicy;
  ownerId: string;
  memberCount: number;
  /** Members (not the owner and admins) cannot send. */
  mutedAll: boolean;
  dissolved: boolean;
  diffusion: Diffusion;
  createdAt: number;
  /** Your role; null once you left or were removed (or the group was dissolved). */
  role: GroupRole | null;
  /** You are muted until then (epoch ms), or null. */
  mutedUntil: number | null;
}

export interface GroupMember {
  userId: string;
  role: GroupRole;
  joinedAt: number;
  mutedUntil: number | null;
}

export interface JoinRequest {
  conversationId: string;
  userId: string;
  message: string;
  at: number;
}

/** What a notice message (`kind: "notice"`) says happened. */
export type NoticeEvent =
  | "created"
  | "invited"
  | "joined"
  | "left"
  | "kicked"
  | "promoted"
  | "demoted"
  | "transferred"
  | "muted"
  | "unmuted"
  | "mutedAll"
  | "unmutedAll"
  | "updated"
  | "dissolved";

export interface GroupNotice {
  event: NoticeEvent;
  /** Who did it (for "joined" by approval: the approver; for "left": the member). */
  actor: string;
  /** Whom it concerns: invited, joined, kicked, promoted, muted users, the new owner. */
  users?: string[];
  /** "muted": until when (epoch ms). */
  until?: number;
  /** "created" and "updated": the fields as they now are. */
  fields?: { name?: string; avatar?: string; announcement?: string; joinPolicy?: JoinPolicy };
}

export interface GroupOk {
  conversationId: string;
  /** The seq of the notice this stored, or null when nothing changed (a repeated request). */
  noticeSeq: number | null;
  /** The users it changed (invite, kick), when it names several. */
  users?: string[];
  /** group.join of an approval group: the request waits for an admin. */
  pending?: true;
}

export interface GroupServerData {
  "group.info": GroupInfo;
  "group.ok": GroupOk;
  "group.list": { groups: GroupInfo[] };
  "group.members": { conversationId: string; members: GroupMember[]; next: string | null };
  "group.requests": { conversationId: string; requests: JoinRequest[] };
  "group.receipts": { conversationId: string; receipts: Array<{ seq: number; readBy: number }> };
  "group.readers": { conversationId: string; seq: number; readers: string[]; unread: string[] };
  /** To the owner and admins: someone asks to join an approval group. */
  "group.request": JoinRequest;
  /** To the requester: an admin declined the join request. */
  "group.declined": { conversationId: string; by: string };
}
