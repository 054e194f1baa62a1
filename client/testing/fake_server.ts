/**
 * The server's in-memory twin for client tests: the same frames and rules (dedup by sender +
 * clientMsgId, per-conversation seq, cumulative receipts that never go back, recall notices,
 * paged sync and history), plus switches to misbehave: refuse connections, black-hole frames,
 * swallow a reply, drop every socket with a close code.
 */
import { ErrorCode } from "../errors.ts";
import type { LoginResult } from "../http.ts";
import {
  type ClientFrame,
  directConversationId,
  directPeer,
  type MediaRef,
  type MessageView,
  parseConversationId,
  type ServerFrame,
} from "@im/protocol";
import type { SocketFactory } from "../transport.ts";
import { FakeSocket } from "./fake_socket.ts";
import { fakeSearch } from "./fake_search.ts";
import { FakeSocial, type SocialFrame } from "./fake_social.ts";
import { react, richFields } from "./fake_rich.ts";
import { FakeGroups, type GroupFrame } from "./fake_groups.ts";
import { FakeRealtime } from "./fake_realtime.ts";

interface Conv {
  members: string[];
  messages: MessageView[];
  cursors: Map<string, { delivered: number; read: number }>;
}
interface Peer {
  socket: FakeSocket;
  userId: string;
  deviceId: string;
}

export class FakeServer {
  readonly sockets: FakeSocket[] = [];
  readonly convs = new Map<string, Conv>();
  /** Connections are refused (the client sees 1006). */
  down = false;
  /** Frames from clients are read and ignored. */
  blackhole = false;
  /** Return true to swallow the reply to this frame (it is still applied). */
  swallowReply: (f: ClientFrame) => boolean = () => false;
  heartbeatSec = 25;
  /** Groups and live rooms (see fake_groups.ts). */
  readonly groups = new FakeGroups({
    convs: this.convs,
    store: (from, conv, clientMsgId, body) => this.#store(from, conv, clientMsgId, body).message,
    push: (userId, frame) => this.#push(userId, frame),
  });
  /** Presence and calls (see fake_realtime.ts). */
  readonly realtime = new FakeRealtime((userId) => this.online(userId));
  #tokens = new Map<string, { userId: string; deviceId: string }>();
  #media = new Map<string, MediaRef>();
  #reactions = new Map<string, Map<string, Set<string>>>();
  #peers = new Set<Peer>();
  #msgSeq = 1000;
  #tokenSeq = 0;
  /** Friends, blocks, profiles and the conversation list. */
  readonly social = new FakeSocial({
    convs: this.convs,
    push: (userId, frame, exceptSelf) =>
      this.#push(userId, frame, exceptSelf ? this.#current : undefined),
  });
  #current: FakeSocket | undefined;

  /** A login answer for this user, with a fresh token the fake accepts. */
  login(userId: string, deviceId = `dev-${userId}`): LoginResult {
    const accessToken = `t${++this.#tokenSeq}-${userId}`;
    this.#tokens.set(accessToken, { userId, deviceId });
    return {
      userId,
      username: `user${userId}`,
      deviceId,
      accessToken,
      accessExpiresIn: 3600,
      refreshToken: `r-${accessToken}`,
      refreshExpiresIn: 86400,
      gatewayId: "g-fake",
      wsUrl: "ws://fake/ws",
    };
  }

  /** An upload the fake accepts in sends (it has no HTTP side). */
  addMedia(ref: MediaRef): void {
    this.#media.set(ref.mediaId, ref);
  }

  #find(msgId: string): MessageView | undefined {
    return [...this.convs.values()].flatMap((c) => c.messages).find((m) => m.msgId === msgId);
  }

  revoke(accessToken: string): void {
    this.#tokens.delete(accessToken);
  }

  readonly factory: SocketFactory = (url, protocols) => {
    const socket = new FakeSocket(url, protocols);
    this.sockets.push(socket);
    const who = socket.token ? this.#tokens.get(socket.token) : undefined;
    queueMicrotask(() => {
      if (this.down || !who) return socket.drop(1006);
      socket.accept();
      const peer = { socket, ...who };
      this.#peers.add(peer);
      socket.onClientFrame = (f) => {
        if (!this.blackhole) this.#handle(peer, f);
      };
      socket.deliver({
        type: "hello",
        data: {
          protocol: 1,
          userId: who.userId,
          deviceId: who.deviceId,
          connId: `c${this.sockets.length}`,
          gatewayId: "g-fake",
          heartbeatSec: this.heartbeatSec,
          maxFrameBytes: 65536,
          limits: { maxBodyChars: 5000, recallWindowSec: 120, editWindowSec: 900 },
        },
      });
    });
    return socket;
  };

  /** Closes every open socket with `code`, as a gateway would. */
  dropAll(code = 1006, reason = ""): void {
    for (const p of this.#peers) p.socket.drop(code, reason);
    this.#peers.clear();
  }

  online(userId: string): Peer[] {
    return [...this.#peers].filter((p) => p.userId === userId && p.socket.readyState === 1);
  }

  /** Stores a message as if `from` sent it elsewhere; no push (clients learn of it by sync). */
  storeQuietly(from: string, to: string, body: string): MessageView {
    return this.#store(from, directConversationId(from, to), `q${this.#msgSeq}`, body).message;
  }

  /** A conversation of several members (a group), as the server would hold it. */
  addGroup(groupId: string, members: string[]): string {
    const id = `g:${groupId}`;
    this.convs.set(id, { members, messages: [], cursors: new Map() });
    return id;
  }

  /** Frames the clients sent, of one type, across every socket. */
  framesOf<T extends ClientFrame["type"]>(type: T): Extract<ClientFrame, { type: T }>[] {
    return this.sockets.flatMap((s) => s.sent).filter((f) => f.type === type) as Extract<
      ClientFrame,
      { type: T }
    >[];
  }

  /** The conversation if `me` is in it; a direct one starts on first use. */
  #conv(id: string, me: string): Conv | null {
    const c = this.convs.get(id);
    if (c) return c.members.includes(me) ? c : null;
    const parsed = parseConversationId(id);
    if (parsed?.kind !== "direct" || !parsed.members.includes(me)) return null;
    const fresh = { members: [...parsed.members], messages: [], cursors: new Map() };
    this.convs.set(id, fresh);
    return fresh;
  }

  #store(from: string, conversationId: string, clientMsgId: string, body: string) {
    const c = this.#conv(conversationId, from)!;
    const prior = c.messages.find((m) => m.from === from && m.clientMsgId === clientMsgId);
    if (prior) return { message: prior, isNew: false };
    const message: MessageView = {
      msgId: String(++this.#msgSeq),
      conversationId,
      seq: c.messages.length + 1,
      from,
      ...(directPeer(conversationId, from) ? { to: directPeer(conversationId, from)! } : {}),
      clientMsgId,
      kind: "text",
      body,
      serverTime: Date.now(),
    };
    c.messages.push(message);
    this.social.onMessage(conversationId, c.members);
    return { message, isNew: true, members: c.members };
  }

  #others(conversationId: string, me: string): string[] {
    return (this.convs.get(conversationId)?.members ?? []).filter((u) => u !== me);
  }

  #push(userId: string, frame: ServerFrame, except?: FakeSocket): void {
    for (const p of this.online(userId)) if (p.socket !== except) p.socket.deliver(frame);
  }

  #handle(peer: Peer, f: ClientFrame): void {
    const reply = (frame: ServerFrame) => {
      if (!this.swallowReply(f)) peer.socket.deliver({ ...frame, id: f.id } as ServerFrame);
    };
    const fail = (code: number, message: string) =>
      reply({ type: "error", data: { code: code as never, message } });
    const me = peer.userId;
    if (this.realtime.handle(peer, f, reply, fail)) return;
    switch (f.type) {
      case "ping":
        return reply({ type: "pong", data: { serverTime: Date.now() } });
      case "msg.send": {
        if (f.data.to === me) return fail(ErrorCode.SELF_MESSAGE, "cannot send to yourself");
        const target = f.data.conversationId ?? directConversationId(me, f.data.to!);
        if (!this.#conv(target, me)) return fail(ErrorCode.NOT_FOUND, "no such conversation");
        const to = directPeer(target, me);
        if (to && this.social.refuses(me, to)) return fail(ErrorCode.REFUSED, "refused");
        const rich = richFields(f.data, this.#media, (id) => this.#find(id), target);
        if (Array.isArray(rich)) return fail(...rich);
        const { message: m, isNew } = this.#store(me, target, f.data.clientMsgId, rich.body);
        if (isNew) Object.assign(m, rich);
        if (isNew && f.data.mentions?.length) m.mentions = f.data.mentions;
        if (isNew && f.data.mentionAll) m.mentionAll = true;
        const { msgId, seq, conversationId, serverTime, clientMsgId } = m;
        const plain = m.kind === "text" && !m.replyTo && !m.forwarded;
        reply({
          type: "msg.sent",
          data: {
            clientMsgId,
            msgId,
            seq,
            conversationId,
            serverTime,
            ...(plain ? {} : { message: m }),
          },
        });
        if (!isNew) return;
        this.#push(me, { type: "msg.new", data: m }, peer.socket);
        const others = this.#others(conversationId, me);
        if (others.every((u) => this.online(u).length === 0)) {
          peer.socket.deliver({ type: "msg.offline", data: { conversationId, msgId, seq } });
        }
        for (const u of others) this.#push(u, { type: "msg.new", data: m });
        return;
      }
      case "typing": {
        if (!this.#conv(f.data.conversationId, me)) {
          return fail(ErrorCode.NOT_FOUND, "no such conversation");
        }
        const data = { ...f.data, userId: me, expiresInMs: 6000 };
        for (const u of this.#others(f.data.conversationId, me)) {
          this.#push(u, { type: "typing", data });
        }
        return;
      }
      case "msg.delivered":
      case "msg.read": {
        const c = this.convs.get(f.data.conversationId);
        if (!c || !c.members.includes(me)) return fail(ErrorCode.NOT_FOUND, "no such conversation");
        const cur = c.cursors.get(me) ?? { delivered: 0, read: 0 };
        const seq = Math.min(f.data.seq, c.messages.length);
        if (f.type === "msg.read") cur.read = Math.max(cur.read, seq);
        cur.delivered = Math.max(cur.delivered, seq, cur.read);
        c.cursors.set(me, cur);
        reply({ type: "ok", data: {} });
        const receipt: ServerFrame = {
          type: "receipt",
          data: {
            conversationId: f.data.conversationId,
            by: me,
            deliveredSeq: cur.delivered,
            readSeq: cur.read,
          },
        };
        for (const u of this.#others(f.data.conversationId, me)) this.#push(u, receipt);
        if (f.type === "msg.read") this.#push(me, receipt, peer.socket);
        return;
      }
      case "msg.recall": {
        const m = [...this.convs.values()].flatMap((c) => c.messages)
          .find((x) => x.msgId === f.data.msgId);
        const c = m && this.convs.get(m.conversationId);
        if (!m || !c?.members.includes(me)) return fail(ErrorCode.NOT_FOUND, "not found");
        if (m.from !== me) return fail(ErrorCode.NOT_SENDER, "not the sender");
        if (m.recalled) return fail(ErrorCode.ALREADY_RECALLED, "already recalled");
        m.recalled = true;
        m.body = "";
        const notice = this.#store(me, m.conversationId, `recall-${m.msgId}`, "").message;
        notice.kind = "recall";
        notice.ref = m.msgId;
        const data = {
          conversationId: m.conversationId,
          msgId: m.msgId,
          seq: m.seq,
          by: me,
          recallSeq: notice.seq,
        };
        reply({ type: "msg.recalled", data });
        this.#push(me, { type: "msg.recalled", data }, peer.socket);
        for (const u of this.#others(m.conversationId, me)) {
          this.#push(u, { type: "msg.recalled", data });
        }
        return;
      }
      case "msg.edit": {
        const m = this.#find(f.data.msgId);
        if (!m || !this.convs.get(m.conversationId)?.members.includes(me)) {
          return fail(ErrorCode.NOT_FOUND, "not found");
        }
        if (m.from !== me) return fail(ErrorCode.NOT_SENDER, "not the sender");
        if (m.recalled) return fail(ErrorCode.ALREADY_RECALLED, "recalled");
        const editedAt = Date.now();
        Object.assign(m, { body: f.data.body, edited: true, editedAt });
        const notice = this.#store(me, m.conversationId, `edit-${editedAt}-${m.msgId}`, "").message;
        Object.assign(notice, { kind: "edit", ref: m.msgId, edit: { body: m.body, editedAt } });
        const data = {
          conversationId: m.conversationId,
          msgId: m.msgId,
          seq: m.seq,
          by: me,
          body: m.body,
          editedAt,
          editSeq: notice.seq,
        };
        reply({ type: "msg.edited", data });
        for (const u of this.convs.get(m.conversationId)!.members) {
          this.#push(u, { type: "msg.edited", data }, peer.socket);
        }
        return;
      }
      case "msg.react": {
        const m = this.#find(f.data.msgId);
        if (!m || !this.convs.get(m.conversationId)?.members.includes(me)) {
          return fail(ErrorCode.NOT_FOUND, "not found");
        }
        const count = react(this.#reactions, m.msgId, f.data.emoji, me, f.data.add);
        const data = {
          conversationId: m.conversationId,
          msgId: m.msgId,
          seq: m.seq,
          by: me,
          emoji: f.data.emoji,
          add: f.data.add,
          count,
        };
        reply({ type: "msg.reaction", data });
        for (const u of this.convs.get(m.conversationId)!.members) {
          this.#push(u, { type: "msg.reaction", data }, peer.socket);
        }
        return;
      }
      case "sync":
        return reply({ type: "sync.page", data: this.#sync(me, f.data) });
      case "history": {
        const c = this.convs.get(f.data.conversationId);
        if (!c || !c.members.includes(me)) return fail(ErrorCode.NOT_FOUND, "no such conversation");
        const below = c.messages.filter((m) => m.seq < (f.data.beforeSeq ?? Infinity));
        const limit = f.data.limit ?? 50;
        const messages = below.slice(-limit);
        return reply({
          type: "history.page",
          data: {
            conversationId: f.data.conversationId,
            messages,
            more: below.length > messages.length,
            ...this.#peerCursors(f.data.conversationId, me),
          },
        });
      }
      case "search": {
        const c = f.data.conversationId && this.convs.get(f.data.conversationId);
        if (f.data.conversationId && (!c || !c.members.includes(me))) {
          return fail(ErrorCode.NOT_FOUND, "no such conversation");
        }
        const mine = [...this.convs.values()].filter((x) => x.members.includes(me));
        return reply(fakeSearch(mine.flatMap((x) => x.messages), f.data));
      }
      case "ids.fetch":
        return reply({
          type: "ids.batch",
          data: { ids: Array.from({ length: f.data.count }, () => String(++this.#msgSeq)) },
        });
      default:
        if (f.type.startsWith("group.") || f.type.startsWith("room.")) {
          return this.groups.handle(me, peer.socket, f as GroupFrame, reply, fail);
        }
        this.#current = peer.socket;
        this.social.handle(me, f as SocialFrame, reply, fail);
        this.#current = undefined;
    }
  }

  #sync(me: string, data: { cursors?: { conversationId: string; seq: number }[]; limit?: number }) {
    const from = new Map((data.cursors ?? []).map((c) => [c.conversationId, c.seq]));
    let budget = data.limit ?? 200;
    let more = false;
    const conversations = [];
    for (const [id, c] of this.convs) {
      if (!c.members.includes(me)) continue;
      const after = c.messages.filter((m) => m.seq > (from.get(id) ?? 0));
      if (after.length === 0) continue;
      const messages = after.slice(0, Math.max(0, budget));
      budget -= messages.length;
      if (messages.length < after.length) more = true;
      if (messages.length === 0) continue;
      conversations.push({
        conversationId: id,
        messages,
        ...this.#peerCursors(id, me),
        readSeq: c.cursors.get(me)?.read ?? 0,
        lastSeq: c.messages.length,
      });
    }
    // The twin keeps no inbox: its cursor is always "", and inbox syncs page by conversation.
    return { conversations, more, ...(more ? {} : { inbox: "" }) };
  }

  /** A direct chat's other member's cursors (0 in groups), as sync and history carry them. */
  #peerCursors(conversationId: string, me: string) {
    const peer = directPeer(conversationId, me);
    const cur = (peer && this.convs.get(conversationId)?.cursors.get(peer)) ||
      { delivered: 0, read: 0 };
    return { peerDeliveredSeq: cur.delivered, peerReadSeq: cur.read, clearedSeq: 0 };
  }
}
