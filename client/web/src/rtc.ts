/// <reference lib="dom" />
/**
 * One call's media: the camera/microphone, an RTCPeerConnection with the server's ICE servers,
 * and the offer/answer and trickled ICE carried by the SDK's `Call` signaling. The caller offers
 * once the call is answered; the callee answers the offer. Candidates that come before the
 * remote description wait for it.
 */
import type { Call, CallSignal } from "../../mod.ts";

export interface RtcHandlers {
  onLocal(stream: MediaStream): void;
  onRemote(stream: MediaStream): void;
  onError(message: string): void;
}

export class RtcSession {
  readonly #pc: RTCPeerConnection;
  #local: MediaStream | null = null;
  #pending: RTCIceCandidateInit[] = [];
  #closed = false;
  readonly #offs: Array<() => void> = [];

  constructor(private readonly call: Call, private readonly h: RtcHandlers) {
    this.#pc = new RTCPeerConnection({ iceServers: call.iceServers });
    this.#pc.onicecandidate = (ev) => {
      if (ev.candidate) {
        call.sendCandidate(ev.candidate.toJSON() as Parameters<Call["sendCandidate"]>[0]);
      }
    };
    const remote = new MediaStream();
    this.#pc.ontrack = (ev) => {
      remote.addTrack(ev.track);
      h.onRemote(remote);
    };
    this.#offs.push(call.on("signal", (s) => void this.#onSignal(s).catch((e) => this.#fail(e))));
    for (const s of call.takeEarlySignals()) void this.#onSignal(s).catch((e) => this.#fail(e));
  }

  /** Opens the camera/microphone; the caller then offers once the call is answered. */
  async start(): Promise<void> {
    this.#local = await navigator.mediaDevices.getUserMedia({
      audio: true,
      video: this.call.media === "video",
    });
    if (this.#closed) return this.#stopTracks();
    for (const t of this.#local.getTracks()) this.#pc.addTrack(t, this.#local);
    this.h.onLocal(this.#local);
    if (this.call.direction === "outgoing") {
      if (this.call.phase === "active") await this.#offer();
      else {this.#offs.push(this.call.on("state", (p) =>
          p === "active" && void this.#offer().catch((e) =>
            this.#fail(e)
          )));}
    }
  }

  /** Inbound video frames decoded so far (for the in-call view and tests). */
  async framesReceived(): Promise<number> {
    const stats = await this.#pc.getStats();
    let frames = 0;
    stats.forEach((r) => {
      if (r.type === "inbound-rtp" && r.kind === "video") frames += r.framesDecoded ?? 0;
    });
    return frames;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const off of this.#offs) off();
    this.#stopTracks();
    this.#pc.close();
  }

  async #offer(): Promise<void> {
    const offer = await this.#pc.createOffer();
    await this.#pc.setLocalDescription(offer);
    this.call.sendSdp({ type: "offer", sdp: offer.sdp ?? "" });
  }

  async #onSignal(s: CallSignal): Promise<void> {
    if (this.#closed) return;
    if (s.sdp) {
      await this.#pc.setRemoteDescription(s.sdp);
      if (s.sdp.type === "offer") {
        if (!this.#local) await this.#untilLocal();
        const answer = await this.#pc.createAnswer();
        await this.#pc.setLocalDescription(answer);
        this.call.sendSdp({ type: "answer", sdp: answer.sdp ?? "" });
      }
      for (const c of this.#pending.splice(0)) await this.#pc.addIceCandidate(c);
    } else if (s.candidate) {
      if (this.#pc.remoteDescription) await this.#pc.addIceCandidate(s.candidate);
      else this.#pending.push(s.candidate);
    }
  }

  async #untilLocal(): Promise<void> {
    for (let i = 0; i < 100 && !this.#local && !this.#closed; i++) {
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  #stopTracks(): void {
    for (const t of this.#local?.getTracks() ?? []) t.stop();
  }

  #fail(e: unknown): void {
    this.h.onError(e instanceof Error ? e.message : String(e));
  }
}
