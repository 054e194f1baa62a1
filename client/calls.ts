/**
 * Calls on the client: one `Call` object per call, for both directions, with its state and
 * events; the manager routes the server's call frames to it. The SDK relays signaling only:
 * the app (or the web app's rtc.ts) drives its RTCPeerConnection from `signal` events and
 * `call.sendSdp` / `call.sendCandidate`.
 *
 *   outgoing: ringing --accepted--> active --ended--> ended     (or ringing --ended--> ended)
 *   incoming: ringing --accept()--> active --ended--> ended     (or ringing --ended--> ended)
 */
import type {
  CallEndReason,
  CallMedia,
  CallSignal,
  EndedCall,
  IceServer,
  IncomingCall,
  ServerFrame,
} from "@im/protocol";
import { directPeer } from "@im/protocol";
import type { Clock } from "./clock.ts";
import type { Connection } from "./connection.ts";
import { Emitter } from "./emitter.ts";
import { ConnectionError } from "./errors.ts";

export type CallPhase = "ringing" | "active" | "ended";

export interface CallEvents {
  /** The phase changed (answered, ended). */
  state: CallPhase;
  /** SDP or ICE from the other device. */
  signal: CallSignal;
  ended: EndedCall;
}

type CallFrame = Extract<
  ServerFrame,
  { type: "call.incoming" | "call.ringing" | "call.accepted" | "call.ended" | "call.signal" }
>;

export class Call extends Emitter<CallEvents> {
  phase: CallPhase = "ringing";
  endReason?: CallEndReason;
  durationMs = 0;
  answeredAt?: number;
  /** Signals that came before anyone listened (an offer right after the answer). */
  readonly #early: CallSignal[] = [];

  constructor(
    private readonly conn: Connection,
    private readonly timeoutMs: number,
    readonly callId: string,
    readonly conversationId: string,
    /** The other user. */
    readonly peer: string,
    readonly media: CallMedia,
    readonly direction: "outgoing" | "incoming",
    readonly iceServers: IceServer[],
    private readonly now: () => number,
  ) {
    super();
  }

  /** Answer on this device (incoming, ringing). */
  async accept(): Promise<void> {
    await this.conn.request("call.accept", { callId: this.callId }, this.timeoutMs);
    this.#set("active");
  }

  reject(): Promise<void> {
    return this.#end("call.reject");
  }
  cancel(): Promise<void> {
    return this.#end("call.cancel");
  }
  hangup(): Promise<void> {
    return this.#end("call.hangup");
  }

  /** Ends it whatever its phase: cancel, reject or hang up. */
  end(): Promise<void> {
    if (this.phase === "ended") return Promise.resolve();
    if (this.phase === "active") return this.hangup();
    return this.direction === "outgoing" ? this.cancel() : this.reject();
  }

  sendSdp(sdp: { type: "offer" | "answer"; sdp: string }): boolean {
    return this.conn.signal("call.signal", { callId: this.callId, sdp });
  }

  sendCandidate(c: {
    candidate: string;
    sdpMid?: string | null;
    sdpMLineIndex?: number | null;
    usernameFragment?: string | null;
  }): boolean {
    const candidate = {
      candidate: c.candidate,
      ...(c.sdpMid != null ? { sdpMid: c.sdpMid } : {}),
      ...(c.sdpMLineIndex != null ? { sdpMLineIndex: c.sdpMLineIndex } : {}),
      ...(c.usernameFragment != null ? { usernameFragment: c.usernameFragment } : {}),
    };
    return this.conn.signal("call.signal", { callId: this.callId, candidate });
  }

  /** Signals received before the first `signal` listener (then delivered to it). */
  takeEarlySignals(): CallSignal[] {
    return this.#early.splice(0);
  }

  /** A frame about this call from the server. */
  apply(f: CallFrame): void {
    switch (f.type) {
      case "call.accepted":
        return this.#set("active");
      case "call.ended":
        return this.#ended(f.data);
      case "call.signal":
        if (this.listenerCount("signal") === 0) this.#early.push(f.data);
        else this.emit("signal", f.data);
        return;
      case "call.incoming":
      case "call.ringing":
        return;
    }
  }

  async #end(type: "call.reject" | "call.cancel" | "call.hangup"): Promise<void> {
    if (this.phase === "ended") return;
    try {
      const r = await this.conn.request(type, { callId: this.callId }, this.timeoutMs);
      this.#ended(r);
    } catch (err) {
      // Not connected: the server ends it anyway when this device does not come back.
      if (err instanceof ConnectionError) return this.#ended(localEnd(this, "hangup"));
      throw err;
    }
  }

  #set(phase: CallPhase): void {
    if (this.phase === phase || this.phase === "ended") return;
    this.phase = phase;
    if (phase === "active") this.answeredAt = this.now();
    this.emit("state", phase);
  }

  #ended(e: EndedCall): void {
    if (this.phase === "ended") return;
    this.endReason = e.reason;
    this.durationMs = e.durationMs;
    this.phase = "ended";
    this.emit("state", "ended");
    this.emit("ended", e);
  }
}

function localEnd(c: Call, reason: CallEndReason): EndedCall {
  return { callId: c.callId, conversationId: c.conversationId, reason, durationMs: 0 };
}

export interface CallManagerOptions {
  conn: Connection;
  me: () => string;
  timeoutMs: number;
  clock: Clock;
  onIncoming(call: Call): void;
  onChange(call: Call): void;
}

export class CallManager {
  readonly #calls = new Map<string, Call>();

  constructor(private readonly o: CallManagerOptions) {}

  /** Calls not yet ended. */
  active(): Call[] {
    return [...this.#calls.values()].filter((c) => c.phase !== "ended");
  }

  get(callId: string): Call | undefined {
    return this.#calls.get(callId);
  }

  /** Rings the other member of a direct conversation; resolves once their devices ring. */
  async start(conversationId: string, media: CallMedia): Promise<Call> {
    const callId = crypto.randomUUID();
    const r = await this.o.conn.request(
      "call.invite",
      { callId, conversationId, media },
      this.o.timeoutMs,
    );
    const call = this.#make(callId, conversationId, r.to, media, "outgoing", r.iceServers);
    return call;
  }

  handle(f: CallFrame): void {
    if (f.type === "call.incoming") return this.#incoming(f.data);
    this.#calls.get(f.data.callId)?.apply(f);
  }

  #incoming(d: IncomingCall): void {
    if (this.#calls.has(d.callId)) return;
    const peer = directPeer(d.conversationId, this.o.me()) ?? d.from;
    this.o.onIncoming(
      this.#make(d.callId, d.conversationId, peer, d.media, "incoming", d.iceServers),
    );
  }

  #make(
    callId: string,
    conversationId: string,
    peer: string,
    media: CallMedia,
    direction: "outgoing" | "incoming",
    iceServers: IceServer[],
  ): Call {
    const call = new Call(
      this.o.conn,
      this.o.timeoutMs,
      callId,
      conversationId,
      peer,
      media,
      direction,
      iceServers,
      () => this.o.clock.now(),
    );
    this.#calls.set(callId, call);
    call.on("state", () => {
      this.o.onChange(call);
      // Ended calls are kept a while for late frames, then forgotten.
      if (call.phase === "ended") this.o.clock.setTimeout(() => this.#calls.delete(callId), 60_000);
    });
    return call;
  }
}
