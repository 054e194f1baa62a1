/** An in-memory WebSocket: the test plays the server through `deliver`, `accept` and `drop`. */
import type { ClientFrame, ServerFrame } from "@im/protocol";
import type { SocketLike } from "../transport.ts";

export class FakeSocket implements SocketLike {
  readyState = 0;
  readonly sent: ClientFrame[] = [];
  onopen: ((ev: Event) => void) | null = null;
  onmessage: ((ev: MessageEvent) => void) | null = null;
  onclose: ((ev: CloseEvent) => void) | null = null;
  onerror: ((ev: Event) => void) | null = null;
  /** Called for each frame the client sends. */
  onClientFrame: (frame: ClientFrame) => void = () => {};
  closedBy: "client" | "server" | null = null;

  constructor(readonly url: string, readonly protocols: string[]) {}

  get token(): string | undefined {
    return this.protocols.find((p) => p.startsWith("bearer."))?.slice(7);
  }

  send(data: string): void {
    if (this.readyState !== 1) throw new Error("socket is not open");
    const frame = JSON.parse(data) as ClientFrame;
    this.sent.push(frame);
    this.onClientFrame(frame);
  }

  close(_code?: number, _reason?: string): void {
    if (this.readyState >= 2) return;
    this.readyState = 3;
    this.closedBy = "client";
  }

  // ---- the server's side ----

  accept(): void {
    this.readyState = 1;
    this.onopen?.(new Event("open"));
  }

  deliver(frame: ServerFrame): void {
    if (this.readyState !== 1) return;
    this.onmessage?.(new MessageEvent("message", { data: JSON.stringify(frame) }));
  }

  drop(code = 1006, reason = ""): void {
    if (this.readyState === 3) return;
    this.readyState = 3;
    this.closedBy = "server";
    this.onclose?.(new CloseEvent("close", { code, reason }));
  }
}
