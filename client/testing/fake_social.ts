/**
 * The social half of the server's in-memory twin: friends, requests, blocks, profiles and the
 * conversation list with its settings, following the server's rules and pushes (see
 * docs/PROTOCOL.md). Cursors here are plain offsets: the twin does not sign them.
 */
import { ErrorCode } from "../errors.ts";
import type {
  ClientFrame,
  ConversationItem,
  ConversationSettings,
  FriendChange,
  MessageView,
  MyProfile,
  ServerFrame,
} from "@im/protocol";

type SocialType =
  | "friend.request"
  | "friend.accept"
  | "friend.decline"
  | "friend.cancel"
  | "friend.delete"
  | "friend.remark"
  | "block.add"
  | "block.remove"
  | "friend.list"
  | "friend.requests"
  | "block.list"
  | "profile.update"
  | "profile.mine"
  | "profile.get"
  | "conv.list"
  | "conv.update"
  | "conv.delete";
export type SocialFrame = Extract<ClientFrame, { type: SocialType }>;

export interface FakeConv {
  members: string[];
  messages: MessageView[];
  cursors: Map<string, { delivered: number; read: number }>;
}

export interface SocialHost {
  convs: Map<string, FakeConv>;
  push(userId: string, frame: ServerFrame, exceptSelf?: boolean): void;
}

type Reply = (frame: ServerFrame) => void;
type Fail = (code: number, message: string) => void;

const pair = (a: string, b: string) => `${a}>${b}`;

export class FakeSocial {
  readonly friends = new Map<string, { remark: string; since: number }>(); // "a>b"
  readonly requests = new Map<string, { message: string; createdAt: number }>(); // "from>to"
  readonly blocks = new Map<string, number>(); // "blocker>blocked"
  readonly profiles = new Map<string, MyProfile>();
  readonly settings = new Map<string, ConversationSettings & { hiddenAt: number }>(); // "user>conv"

  constructor(private readonly host: SocialHost) {}

  profile(userId: string): MyProfile {
    let p = this.profiles.get(userId);
    if (!p) {
      p = {
        userId,
        username: `user${userId}`,
        nickname: `User ${userId}`,
        avatarUrl: "",
        bio: "",
        dmPolicy: "everyone",
      };
      this.profiles.set(userId, p);
    }
    return p;
  }

  /** Whether a direct message from `from` to `to` is refused (a block, or their policy). */
  refuses(from: string, to: string): boolean {
    if (this.blocks.has(pair(from, to)) || this.blocks.has(pair(to, from))) return true;
    return this.profile(to).dmPolicy === "friends" && !this.friends.has(pair(to, from));
  }

  /** A message stored: a hidden conversation comes back. */
  onMessage(conversationId: string, members: string[]): void {
    for (const u of members) {
      const s = this.settings.get(pair(u, conversationId));
      if (s) s.hidden = false;
    }
  }

  handle(me: string, f: SocialFrame, reply: Reply, fail: Fail): void {
    if ("userId" in f.data && f.data.userId === me && f.type !== "profile.update") {
      return fail(ErrorCode.SELF_TARGET, "you cannot do that to yourself");
    }
    switch (f.type) {
      case "friend.request":
      case "friend.accept":
      case "friend.decline":
      case "friend.cancel":
      case "friend.delete":
      case "friend.remark":
        return this.#friend(me, f, reply, fail);
      case "block.add":
      case "block.remove": {
        const them = f.data.userId;
        const on = f.type === "block.add";
        if (!on && !this.blocks.has(pair(me, them))) {
          return fail(ErrorCode.NOT_BLOCKED, "not blocked");
        }
        if (on) {
          this.blocks.set(pair(me, them), Date.now());
          this.requests.delete(pair(me, them));
          this.requests.delete(pair(them, me));
        } else this.blocks.delete(pair(me, them));
        const frame: ServerFrame = {
          type: "block.changed",
          data: { userId: them, blocked: on, at: Date.now() },
        };
        reply(frame);
        return this.host.push(me, frame, true);
      }
      case "friend.list": {
        const friends = [...this.friends].filter(([k]) => k.startsWith(`${me}>`)).map(([k, v]) => {
          const other = k.split(">")[1];
          return { ...this.#public(other), remark: v.remark, since: v.since };
        });
        return reply({ type: "friend.page", data: page(friends, f.data, "friends") });
      }
      case "friend.requests": {
        const inbound = f.data.direction === "in";
        const requests = [...this.requests].flatMap(([k, v]) => {
          const [from, to] = k.split(">");
          if ((inbound ? to : from) !== me) return [];
          return [{ from, to, ...v, user: this.#public(inbound ? from : to) }];
        });
        const { requests: items, cursor } = page(requests, f.data, "requests");
        return reply({
          type: "friend.requests.page",
          data: { direction: f.data.direction, requests: items, ...(cursor ? { cursor } : {}) },
        });
      }
      case "block.list": {
        const blocked = [...this.blocks].filter(([k]) => k.startsWith(`${me}>`))
          .map(([k, at]) => ({ ...this.#public(k.split(">")[1]), blockedAt: at }));
        return reply({ type: "block.page", data: page(blocked, f.data, "blocked") });
      }
      case "profile.update": {
        const p = Object.assign(this.profile(me), f.data);
        reply({ type: "profile.me", data: { ...p } });
        return this.host.push(me, { type: "profile.me", data: { ...p } }, true);
      }
      case "profile.mine":
        return reply({ type: "profile.me", data: { ...this.profile(me) } });
      case "profile.get":
        return reply({
          type: "profile.list",
          data: { profiles: f.data.userIds.map((u) => this.#public(u)) },
        });
      case "conv.list": {
        const items = [...this.host.convs].filter(([, c]) => c.members.includes(me))
          .map(([id, c]) => this.#item(me, id, c)).filter((i) => !i.hidden)
          .sort((a, b) => Number(b.pinned) - Number(a.pinned) || b.activeAt - a.activeAt);
        return reply({ type: "conv.page", data: page(items, f.data, "conversations") });
      }
      case "conv.update":
      case "conv.delete": {
        const c = this.host.convs.get(f.data.conversationId);
        if (!c?.members.includes(me)) return fail(ErrorCode.NOT_FOUND, "no such conversation");
        const s = this.#settings(me, f.data.conversationId);
        if (f.type === "conv.delete") {
          Object.assign(s, { clearedSeq: c.messages.length, hidden: true });
        } else {
          for (const k of ["pinned", "muted", "hidden"] as const) {
            if (f.data[k] !== undefined) s[k] = f.data[k]!;
          }
        }
        const { hiddenAt: _, ...data } = s;
        reply({ type: "conv.changed", data });
        return this.host.push(me, { type: "conv.changed", data }, true);
      }
    }
  }

  #friend(
    me: string,
    f: Extract<SocialFrame, { type: `friend.${string}` }>,
    reply: Reply,
    fail: Fail,
  ) {
    const them = (f.data as { userId: string }).userId;
    const emit = (kind: FriendChange["kind"], extra: Partial<FriendChange> = {}, both = true) => {
      const view = (viewer: string, other: string): FriendChange => {
        const fr = this.friends.get(pair(viewer, other));
        return {
          kind,
          userId: other,
          by: me,
          ...extra,
          ...(fr && (kind === "accepted" || kind === "remark")
            ? { friend: { ...this.#public(other), ...fr } }
            : {}),
        };
      };
      reply({ type: "friend.changed", data: view(me, them) });
      this.host.push(me, { type: "friend.changed", data: view(me, them) }, true);
      if (both) this.host.push(them, { type: "friend.changed", data: view(them, me) });
    };
    const befriend = () => {
      this.requests.delete(pair(me, them));
      this.requests.delete(pair(them, me));
      for (const [a, b] of [[me, them], [them, me]]) {
        this.friends.set(pair(a, b), { remark: "", since: Date.now() });
      }
      emit("accepted");
    };
    switch (f.type) {
      case "friend.request": {
        if (this.blocks.has(pair(me, them)) || this.blocks.has(pair(them, me))) {
          return fail(ErrorCode.REFUSED, "refused");
        }
        if (this.friends.has(pair(me, them))) return fail(ErrorCode.ALREADY_FRIENDS, "friends");
        if (this.requests.has(pair(me, them))) return fail(ErrorCode.REQUEST_PENDING, "pending");
        if (this.requests.has(pair(them, me))) return befriend();
        const request = { message: f.data.message ?? "", createdAt: Date.now() };
        this.requests.set(pair(me, them), request);
        return emit("requested", {
          request: { from: me, to: them, ...request, user: this.#public(them) },
        });
      }
      case "friend.accept":
        if (!this.requests.has(pair(them, me))) return fail(ErrorCode.NO_SUCH_REQUEST, "none");
        return befriend();
      case "friend.decline":
      case "friend.cancel": {
        const key = f.type === "friend.decline" ? pair(them, me) : pair(me, them);
        if (!this.requests.delete(key)) return fail(ErrorCode.NO_SUCH_REQUEST, "none");
        return emit(f.type === "friend.decline" ? "declined" : "cancelled");
      }
      case "friend.delete":
        if (!this.friends.delete(pair(me, them))) return fail(ErrorCode.NOT_FRIENDS, "not friends");
        this.friends.delete(pair(them, me));
        return emit("deleted");
      case "friend.remark": {
        const fr = this.friends.get(pair(me, them));
        if (!fr) return fail(ErrorCode.NOT_FRIENDS, "not friends");
        fr.remark = f.data.remark.trim();
        return emit("remark", {}, false);
      }
    }
  }

  #public(userId: string) {
    const { dmPolicy: _, ...p } = this.profile(userId);
    return p;
  }

  #settings(me: string, conversationId: string) {
    const key = pair(me, conversationId);
    let s = this.settings.get(key);
    if (!s) {
      s = {
        conversationId,
        pinned: false,
        muted: false,
        hidden: false,
        clearedSeq: 0,
        hiddenAt: 0,
      };
      this.settings.set(key, s);
    }
    return s;
  }

  #item(me: string, conversationId: string, c: FakeConv): ConversationItem {
    const s = this.#settings(me, conversationId);
    const visible = c.messages.filter((m) => m.seq > s.clearedSeq);
    const last = visible.at(-1) ?? null;
    const read = c.cursors.get(me)?.read ?? 0;
    const peer = c.members.length === 2 && conversationId.startsWith("d:")
      ? c.members.find((u) => u !== me)
      : undefined;
    const { hiddenAt: _, ...settings } = s;
    return {
      ...settings,
      kind: conversationId.startsWith("d:") ? "direct" : "group",
      ...(peer ? { peerId: peer } : {}),
      lastSeq: c.messages.length,
      readSeq: read,
      lastMessage: last,
      unread: visible.filter((m) => m.seq > read && m.from !== me && m.kind === "text").length,
      mentioned: false,
      activeAt: last?.serverTime ?? 0,
      member: true,
    };
  }
}

/** Offset paging: the twin's cursors are plain numbers. */
function page<K extends string, V>(
  all: V[],
  data: { cursor?: string; limit?: number },
  key: K,
): { [P in K]: V[] } & { cursor?: string } {
  const from = data.cursor ? Number(data.cursor.slice(1)) : 0;
  const limit = data.limit ?? 50;
  const items = all.slice(from, from + limit);
  const more = from + limit < all.length;
  return { [key]: items, ...(more ? { cursor: `o${from + limit}` } : {}) } as never;
}
