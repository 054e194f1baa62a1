/**
 * What a batch publishes once it has committed. Handlers only add to it; the publisher resolves
 * user targets to device routes and writes one entry per gateway per batch.
 */
import type { ServerFrame } from "@im/shared/protocol";

export interface ConnTarget {
  gatewayId: string;
  connId: string;
}

export interface UserEmit {
  userId: string;
  /** Serialized once, whatever the number of devices it reaches. */
  frame: string;
  exceptConnId?: string;
}

export class Outbox {
  readonly conns: Array<ConnTarget & { frame: string }> = [];
  readonly users: UserEmit[] = [];

  toConn(target: ConnTarget, frame: ServerFrame): void {
    this.conns.push({ ...target, frame: JSON.stringify(frame) });
  }

  /** To every online device of the user, except the connection that caused it. */
  toUser(userId: string, frame: ServerFrame | string, exceptConnId?: string): void {
    this.users.push({
      userId,
      frame: typeof frame === "string" ? frame : JSON.stringify(frame),
      exceptConnId,
    });
  }

  get empty(): boolean {
    return this.conns.length === 0 && this.users.length === 0;
  }
}
