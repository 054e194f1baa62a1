/**
 * Live rooms in the SDK (`client.rooms`): presence on this connection, renewed while joined and
 * restored after a reconnect; messages are never stored, so only those arriving while present
 * are seen.
 */
import type { RoomInfo } from "@im/protocol";
import type { Clock, TimerId } from "./clock.ts";
import type { Connection } from "./connection.ts";
import { newClientMsgId } from "./outbox.ts";

export interface RoomsOptions {
  conn: Connection;
  clock: Clock;
  timeoutMs: number;
  onError(err: Error): void;
}

export class Rooms {
  #joined = new Set<string>();
  #renew = new Map<string, TimerId>();

  constructor(private readonly o: RoomsOptions) {}

  create(title: string, clientKey = newClientMsgId()): Promise<RoomInfo> {
    return this.o.conn.request("room.create", { clientKey, title }, this.o.timeoutMs);
  }

  close(conversationId: string): Promise<RoomInfo> {
    return this.o.conn.request("room.close", { conversationId }, this.o.timeoutMs);
  }

  joined(): string[] {
    return [...this.#joined];
  }

  /** Becomes present; stays so (renewing) until `leave`, across reconnects. */
  async join(conversationId: string): Promise<{ title: string }> {
    const r = await this.o.conn.request("room.join", { conversationId }, this.o.timeoutMs);
    this.#joined.add(conversationId);
    this.#schedule(conversationId, r.expiresInMs / 3);
    return { title: r.title };
  }

  leave(conversationId: string): void {
    this.#joined.delete(conversationId);
    this.#stop(conversationId);
    this.o.conn.signal("room.leave", { conversationId });
  }

  /** To everyone present; false when not connected. Not stored, not retried. */
  send(conversationId: string, body: string): boolean {
    return this.o.conn.signal("room.send", { conversationId, clientMsgId: newClientMsgId(), body });
  }

  /** The room closed: it is left for good. */
  onInfo(info: RoomInfo): void {
    if (!info.closed) return;
    this.#joined.delete(info.conversationId);
    this.#stop(info.conversationId);
  }

  /** A new connection is present nowhere: join again. */
  onReady(): void {
    for (const id of this.#joined) this.join(id).catch((e) => this.o.onError(e));
  }

  reset(): void {
    for (const id of [...this.#renew.keys()]) this.#stop(id);
  }

  #schedule(id: string, ms: number) {
    this.#stop(id);
    this.#renew.set(
      id,
      this.o.clock.setTimeout(() => {
        this.#renew.delete(id);
        if (this.#joined.has(id) && this.o.conn.isOpen) {
          this.join(id).catch((e) => this.o.onError(e));
        }
      }, ms),
    );
  }

  #stop(id: string) {
    const t = this.#renew.get(id);
    if (t !== undefined) this.o.clock.clearTimeout(t);
    this.#renew.delete(id);
  }
}
