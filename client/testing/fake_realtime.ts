/**
 * The in-memory twin of presence and calls for SDK tests: presence subscriptions per socket,
 * states the test sets (`setPresence`), hiding; calls with the server's rules (the callee
 * answers once, only the two devices in the call signal, a party ends it) and `timeout` to play
 * the ring timer. Not a second server: just enough of its behaviour for the SDK to meet.
 */
import { ErrorCode } from "../errors.ts";
import {
  type CallEndReason,
  type ClientFrame,
  directPeer,
  type PresenceView,
  type ServerFrame,
} from "@im/protocol";
import type { FakeSocket } from "./fake_socket.ts";

export interface FakePeer {
  socket: FakeSocket;
  userId: string;
  deviceId: string;
}

interface FakeCall {
  callId: string;
  conversationId: string;
  caller: FakePeer;
  callee: string;
  answered?: FakePeer;
  state: "ringing" | "active" | "ended";
  media: "audio" | "video";
}

type Reply = (frame: ServerFrame) => void;
type Fail = (code: number, message: string) => void;

export class FakeRealtime {
  readonly calls = new Map<string, FakeCall>();
  readonly #views = new Map<string, PresenceView>();
  readonly #subs = new Map<string, Set<FakePeer>>();
  readonly #hidden = new Set<string>();
  #ver = 0;

  constructor(private readonly online: (userId: string) => FakePeer[]) {}

  /** Sets a user's presence and pushes it to the sockets watching them. */
  setPresence(userId: string, online: boolean, lastSeen?: number): void {
    const view: PresenceView = {
      userId,
      online,
      ver: ++this.#ver,
      ...(lastSeen ? { lastSeen } : {}),
    };
    this.#views.set(userId, view);
    if (this.#hidden.has(userId)) return;
    for (const p of this.#subs.get(userId) ?? []) {
      p.socket.deliver({ type: "presence", data: { users: [view] } });
    }
  }

  /** Plays the ring timer: an unanswered call ends as a timeout. */
  timeout(callId: string): void {
    const c = this.calls.get(callId);
    if (c?.state === "ringing") this.#end(c, "timeout");
  }

  /** Handles a presence or call frame; false for any other type. */
  handle(peer: FakePeer, f: ClientFrame, reply: Reply, fail: Fail): boolean {
    switch (f.type) {
      case "presence.sub": {
        for (const u of f.data.userIds) {
          const set = this.#subs.get(u) ?? new Set();
          this.#subs.set(u, set.add(peer));
        }
        const users = f.data.userIds.map((u) => this.#viewOf(u));
        reply({ type: "presence", data: { users } });
        return true;
      }
      case "presence.unsub":
        for (const u of f.data.userIds) this.#subs.get(u)?.delete(peer);
        return true;
      case "presence.set":
        if (f.data.hidden) this.#hidden.add(peer.userId);
        else this.#hidden.delete(peer.userId);
        reply({ type: "presence", data: { users: [this.#viewOf(peer.userId)] } });
        return true;
      case "call.invite":
        return this.#invite(peer, f.data, reply, fail), true;
      case "call.accept":
      case "call.reject":
      case "call.cancel":
      case "call.hangup":
      case "call.signal":
        return this.#act(peer, f, reply, fail), true;
      default:
        return false;
    }
  }

  #viewOf(userId: string): PresenceView {
    if (this.#hidden.has(userId)) return { userId, online: false };
    return this.#views.get(userId) ?? { userId, online: this.online(userId).length > 0, ver: 0 };
  }

  #invite(
    peer: FakePeer,
    d: { callId: string; conversationId: string; media: "audio" | "video" },
    reply: Reply,
    fail: Fail,
  ) {
    const callee = directPeer(d.conversationId, peer.userId);
    if (!callee) return fail(ErrorCode.NOT_FOUND, "no such conversation");
    if (this.calls.has(d.callId)) return fail(ErrorCode.CALL_ID_TAKEN, "callId is in use");
    const busy = [...this.calls.values()].some((c) =>
      c.state !== "ended" && [c.caller.userId, c.callee].includes(callee)
    );
    if (busy) return fail(ErrorCode.CALL_BUSY, "they are in another call");
    const call: FakeCall = { ...d, caller: peer, callee, state: "ringing" };
    this.calls.set(d.callId, call);
    const base = {
      callId: d.callId,
      conversationId: d.conversationId,
      media: d.media,
      iceServers: [],
      expiresInMs: 30_000,
    };
    reply({ type: "call.ringing", data: { ...base, to: callee } });
    for (const p of this.online(callee)) {
      p.socket.deliver({ type: "call.incoming", data: { ...base, from: peer.userId } });
    }
  }

  #act(peer: FakePeer, f: ClientFrame, reply: Reply, fail: Fail) {
    const { callId } = f.data as { callId: string };
    const c = this.calls.get(callId);
    if (!c || (peer.userId !== c.caller.userId && peer.userId !== c.callee)) {
      return fail(ErrorCode.NOT_FOUND, "no such call");
    }
    if (c.state === "ended") return fail(ErrorCode.CALL_ENDED, "the call has ended");
    const inCall = peer === c.caller || peer === c.answered;
    const base = { callId, conversationId: c.conversationId };
    switch (f.type) {
      case "call.accept": {
        if (peer.userId !== c.callee) return fail(ErrorCode.CALL_STATE, "not now");
        if (c.state === "active") {
          return fail(ErrorCode.CALL_ANSWERED_ELSEWHERE, "answered elsewhere");
        }
        c.state = "active";
        c.answered = peer;
        const accepted: ServerFrame = { type: "call.accepted", data: { ...base, by: c.callee } };
        reply(accepted);
        c.caller.socket.deliver(accepted);
        for (const p of this.online(c.callee)) {
          if (p !== peer) {
            p.socket.deliver({
              type: "call.ended",
              data: { ...base, reason: "answered_elsewhere", durationMs: 0 },
            });
          }
        }
        return;
      }
      case "call.signal": {
        if (c.state !== "active" || !inCall) return fail(ErrorCode.CALL_STATE, "not now");
        const other = peer === c.caller ? c.answered! : c.caller;
        const { sdp, candidate } = f.data;
        other.socket.deliver({
          type: "call.signal",
          data: {
            ...base,
            from: peer.userId,
            ...(sdp ? { sdp } : {}),
            ...(candidate ? { candidate } : {}),
          },
        });
        return;
      }
      default: {
        const reason: CallEndReason = f.type === "call.reject"
          ? "rejected"
          : f.type === "call.cancel"
          ? "cancelled"
          : "hangup";
        const ok = reason === "rejected"
          ? c.state === "ringing" && peer.userId === c.callee
          : reason === "cancelled"
          ? c.state === "ringing" && peer === c.caller
          : c.state === "active" && inCall;
        if (!ok) return fail(ErrorCode.CALL_STATE, "not now");
        reply(this.#end(c, reason, peer));
      }
    }
  }

  #end(c: FakeCall, reason: CallEndReason, by?: FakePeer): ServerFrame {
    const was = c.state;
    c.state = "ended";
    const frame: ServerFrame = {
      type: "call.ended",
      data: {
        callId: c.callId,
        conversationId: c.conversationId,
        reason,
        durationMs: 0,
        ...(by ? { by: by.userId } : {}),
      },
    };
    const targets = was === "active"
      ? [c.caller, c.answered!]
      : [c.caller, ...this.online(c.callee)];
    for (const p of targets) if (p !== by) p.socket.deliver(frame);
    return frame;
  }
}
