/**
 * The groups and live rooms half of the fake server: the same frames and the rules an SDK test
 * can see (roles, notices stored as messages with their seq, removal stopping pushes, receipts
 * from read cursors, room presence per socket). Not a second implementation of every check:
 * the real worker's rights are tested against the real stores.
 */
import { ErrorCode } from "../errors.ts";
import type {
  ClientFrame,
  GroupInfo,
  GroupNotice,
  GroupRole,
  JoinPolicy,
  MessageView,
  RoomInfo,
  ServerFrame,
} from "@im/protocol";
import type { FakeSocket } from "./fake_socket.ts";

export interface FakeConv {
  members: string[];
  messages: MessageView[];
  cursors: Map<string, { delivered: number; read: number }>;
}

interface FakeGroup {
  name: string;
  owner: string;
  joinPolicy: JoinPolicy;
  roles: Map<string, GroupRole>;
  createdAt: number;
}

export interface FakeHost {
  convs: Map<string, FakeConv>;
  store(from: string, conversationId: string, clientMsgId: string, body: string): MessageView;
  push(userId: string, frame: ServerFrame): void;
}

type Reply = (frame: ServerFrame) => void;
type Fail = (code: number, message: string) => void;
export type GroupFrame = Extract<ClientFrame, { type: `group.${string}` | `room.${string}` }>;

export class FakeGroups {
  readonly groups = new Map<string, FakeGroup>();
  readonly rooms = new Map<string, RoomInfo & { present: Set<FakeSocket> }>();
  #ids = 5000;
  #notices = 0;

  constructor(private readonly host: FakeHost) {}

  info(id: string, me: string): GroupInfo {
    const g = this.groups.get(id)!;
    const members = this.host.convs.get(id)!.members;
    return {
      conversationId: id,
      name: g.name,
      avatar: "",
      announcement: "",
      joinPolicy: g.joinPolicy,
      ownerId: g.owner,
      memberCount: members.length,
      mutedAll: false,
      dissolved: false,
      diffusion: "write",
      createdAt: g.createdAt,
      role: members.includes(me) ? g.roles.get(me) ?? "member" : null,
      mutedUntil: null,
    };
  }

  /** Stores a notice and pushes it to the members (and `alsoTo`); returns its seq. */
  #notice(id: string, notice: GroupNotice, alsoTo: string[] = []): number {
    const m = this.host.store(notice.actor, id, `n-${++this.#notices}`, "");
    Object.assign(m, { kind: "notice", notice });
    const c = this.host.convs.get(id)!;
    for (const u of new Set([...c.members, ...alsoTo])) {
      this.host.push(u, { type: "msg.new", data: m });
    }
    return m.seq;
  }

  handle(me: string, socket: FakeSocket, f: GroupFrame, reply: Reply, fail: Fail): void {
    const ok = (conversationId: string, noticeSeq: number | null) =>
      reply({ type: "group.ok", data: { conversationId, noticeSeq } });
    if (f.type === "group.create") {
      const id = `g:${++this.#ids}`;
      const members = [me, ...f.data.members.filter((u) => u !== me)];
      this.host.convs.set(id, { members, messages: [], cursors: new Map() });
      this.groups.set(id, {
        name: f.data.name,
        owner: me,
        joinPolicy: f.data.joinPolicy ?? "invite",
        roles: new Map([[me, "owner"]]),
        createdAt: Date.now(),
      });
      this.#notice(id, { event: "created", actor: me, users: members.slice(1) });
      return reply({ type: "group.info", data: this.info(id, me) });
    }
    if (f.type.startsWith("room.")) return this.#room(me, socket, f, reply, fail);
    if (f.type === "group.list") {
      const mine = [...this.groups.keys()].filter((id) =>
        this.host.convs.get(id)!.members.includes(me)
      );
      return reply({ type: "group.list", data: { groups: mine.map((id) => this.info(id, me)) } });
    }
    if (f.type === "group.watch") return;
    const id = (f.data as { conversationId: string }).conversationId;
    const g = this.groups.get(id), c = this.host.convs.get(id);
    if (!g || !c?.members.includes(me)) return fail(ErrorCode.NOT_FOUND, "no such group");
    const rank = (u: string) => ({ owner: 3, admin: 2, member: 1 })[g.roles.get(u) ?? "member"];
    const moderator = rank(me) >= 2;
    switch (f.type) {
      case "group.info":
        return reply({ type: "group.info", data: this.info(id, me) });
      case "group.members":
        return reply({
          type: "group.members",
          data: {
            conversationId: id,
            members: c.members.map((userId) => ({
              userId,
              role: g.roles.get(userId) ?? "member",
              joinedAt: 0,
              mutedUntil: null,
            })),
            next: null,
          },
        });
      case "group.invite": {
        if (!moderator) return fail(ErrorCode.FORBIDDEN, "not allowed");
        const added = f.data.userIds.filter((u) => !c.members.includes(u));
        if (!added.length) return ok(id, null);
        c.members.push(...added);
        return ok(id, this.#notice(id, { event: "invited", actor: me, users: added }));
      }
      case "group.kick": {
        if (!moderator) return fail(ErrorCode.FORBIDDEN, "not allowed");
        const gone = f.data.userIds.filter((u) => c.members.includes(u) && rank(u) < rank(me));
        if (!gone.length) return ok(id, null);
        c.members = c.members.filter((u) => !gone.includes(u));
        return ok(id, this.#notice(id, { event: "kicked", actor: me, users: gone }, gone));
      }
      case "group.leave":
        if (g.owner === me) return fail(ErrorCode.OWNER_CANNOT_LEAVE, "transfer first");
        c.members = c.members.filter((u) => u !== me);
        return ok(id, this.#notice(id, { event: "left", actor: me }, [me]));
      case "group.role":
        if (g.owner !== me) return fail(ErrorCode.FORBIDDEN, "not allowed");
        g.roles.set(f.data.userId, f.data.role);
        return ok(
          id,
          this.#notice(id, {
            event: f.data.role === "admin" ? "promoted" : "demoted",
            actor: me,
            users: [f.data.userId],
          }),
        );
      case "group.update":
        if (!moderator) return fail(ErrorCode.FORBIDDEN, "not allowed");
        if (f.data.name) g.name = f.data.name;
        return ok(id, this.#notice(id, { event: "updated", actor: me, fields: { ...f.data } }));
      case "group.receipts": {
        const own = c.messages.filter((m) => f.data.seqs.includes(m.seq) && m.from === me);
        const readBy = (seq: number) =>
          c.members.filter((u) => u !== me && (c.cursors.get(u)?.read ?? 0) >= seq).length;
        return reply({
          type: "group.receipts",
          data: {
            conversationId: id,
            receipts: own.map((m) => ({ seq: m.seq, readBy: readBy(m.seq) })),
          },
        });
      }
      case "group.readers": {
        const others = c.members.filter((u) => u !== me);
        const read = (u: string) => (c.cursors.get(u)?.read ?? 0) >= f.data.seq;
        return reply({
          type: "group.readers",
          data: {
            conversationId: id,
            seq: f.data.seq,
            readers: others.filter(read),
            unread: others.filter((u) => !read(u)),
          },
        });
      }
      default:
        return fail(ErrorCode.UNKNOWN_TYPE, `the fake server does not do ${f.type}`);
    }
  }

  #room(me: string, socket: FakeSocket, f: GroupFrame, reply: Reply, fail: Fail): void {
    if (f.type === "room.create") {
      const room = {
        conversationId: `r:${++this.#ids}`,
        title: f.data.title,
        ownerId: me,
        createdAt: Date.now(),
        closed: false,
      };
      this.rooms.set(room.conversationId, { ...room, present: new Set() });
      return reply({ type: "room.info", data: room });
    }
    const r = this.rooms.get((f.data as { conversationId: string }).conversationId);
    if (!r) return fail(ErrorCode.NOT_FOUND, "no such room");
    const { present: _, ...info } = r;
    switch (f.type) {
      case "room.join":
        r.present.add(socket);
        return reply({
          type: "room.joined",
          data: { conversationId: r.conversationId, title: r.title, expiresInMs: 90_000 },
        });
      case "room.leave":
        r.present.delete(socket);
        return;
      case "room.send": {
        if (!r.present.has(socket)) return fail(ErrorCode.NOT_IN_ROOM, "join first");
        const data = {
          conversationId: r.conversationId,
          from: me,
          clientMsgId: f.data.clientMsgId,
          body: f.data.body,
          serverTime: Date.now(),
        };
        for (const s of r.present) if (s.readyState === 1) s.deliver({ type: "room.msg", data });
        return;
      }
      case "room.close":
        r.closed = true;
        for (const s of r.present) {
          s.deliver({ type: "room.info", data: { ...info, closed: true } });
        }
        r.present.clear();
        return reply({ type: "room.info", data: { ...info, closed: true } });
    }
  }
}
