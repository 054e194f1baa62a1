/**
 * What a batch publishes once it has committed. Handlers only add to it; the publisher resolves
 * user targets to device routes and writes one entry per gateway per batch.
 */
import type { ServerFrame } from "@im/shared/protocol";

export interface ConnTarget {
  gatewayId: string;
  connId: string;
}

/** A delivery that must be acked by each device it reaches, or it is pushed again later. */
export interface RetryRef {
  /** The partition whose owner runs the re-push (the conversation's). */
  partition: number;
  conversationId: string;
  seq: number;
  msgId: string;
}

export interface UserEmit {
  userId: string;
  /** Serialized once, whatever the number of devices it reaches. */
  frame: string;
  exceptConnId?: string;
  retry?: RetryRef;
  /** Sent instead to another user's devices when this user has no device online. */
  ifOffline?: { userId: string; frame: string };
}

export class Outbox {
  readonly conns: Array<ConnTarget & { frame: string }> = [];
  readonly users: UserEmit[] = [];
  /** Device delivery cursors to raise (they stop re-pushes). */
  readonly deviceAcks: Array<
    { userId: string; deviceId: string; conversationId: string; seq: number }
  > = [];

  toConn(target: ConnTarget, frame: ServerFrame): void {
    this.conns.push({
      gatewayId: target.gatewayId,
      connId: target.connId,
      frame: JSON.stringify(frame),
    });
  }

  /** To every online device of the user, except the connection that caused it. */
  toUser(
    userId: string,
    frame: ServerFrame | string,
    opts: Omit<UserEmit, "userId" | "frame"> = {},
  ): void {
    this.users.push({
      userId,
      frame: typeof frame === "string" ? frame : JSON.stringify(frame),
      ...opts,
    });
  }
}
