/**
 * What a batch publishes once it has committed. Handlers only add typed frames to it (to a
 * connection, or to users' devices); the publisher resolves users to device routes and writes
 * one entry per gateway per batch. Each frame is serialized once, whatever its audience.
 */
import type { ServerFrame } from "@im/protocol";

export interface ConnTarget {
  gatewayId: string;
  connId: string;
  /** The trace the frame belongs to (an envelope passed as the target carries its own). */
  traceparent?: string;
}

/** A delivery that must be acked by each device it reaches, or it is pushed again later. */
export interface RetryRef {
  /** The partition whose owner runs the re-push (the conversation's). */
  partition: number;
  conversationId: string;
  seq: number;
  msgId: string;
}

export interface UserOptions {
  /** The connection that caused it already has its answer. */
  exceptConnId?: string;
  retry?: RetryRef;
  /** Sent to this user's devices when no device of the other users was reached. */
  ifNoneReached?: { userId: string; frame: ServerFrame };
  /** The trace of the entry that caused it (its envelope's `traceparent`). */
  traceparent?: string;
}

export interface UserEmit {
  userIds: string[];
  frame: string;
  exceptConnId?: string;
  retry?: RetryRef;
  ifNoneReached?: { userId: string; frame: string };
  traceparent?: string;
}

/**
 * A frame for the connections watching a conversation (a large group's watchers, a live room's
 * audience): resolved after commit from Redis, so its cost follows who is online, not who is a
 * member. With `requireWatcher`, it goes out only if that connection is watching; if not, the
 * connection gets `otherwise` instead.
 */
export interface WatcherEmit {
  conversationId: string;
  frame: string;
  exceptConnId?: string;
  requireWatcher?: WatcherTarget;
  otherwise?: string;
}

export interface WatcherTarget {
  userId: string;
  gatewayId: string;
  connId: string;
}

/** Changes to who watches, applied after commit and before any watcher frame of the batch. */
export type WatchOp =
  | { op: "watch"; conversationId: string; target: WatcherTarget; ttlMs: number }
  | { op: "leave"; conversationId: string; target: WatcherTarget }
  /** Removes these users' connections and keeps them from watching again for `blockMs`. */
  | { op: "unwatch"; conversationId: string; userIds: string[]; blockMs: number }
  /** Lifts a block (the user is a member again). */
  | { op: "allow"; conversationId: string; userIds: string[] }
  /** Nobody watches any more (a room closed, a group dissolved). */
  | { op: "drop"; conversationId: string };

export interface DeviceAck {
  userId: string;
  deviceId: string;
  conversationId: string;
  seq: number;
}

export class Outbox {
  readonly conns: Array<ConnTarget & { frame: string }> = [];
  readonly users: UserEmit[] = [];
  /** Device delivery cursors to raise (they stop re-pushes). */
  readonly deviceAcks: DeviceAck[] = [];
  readonly watchers: WatcherEmit[] = [];
  readonly watchOps: WatchOp[] = [];
  /** Codes of the error frames queued (counted by code once published). */
  readonly errorCodes: number[] = [];

  toConn(target: ConnTarget, frame: ServerFrame): void {
    if (frame.type === "error") this.errorCodes.push(frame.data.code);
    const item: ConnTarget & { frame: string } = {
      gatewayId: target.gatewayId,
      connId: target.connId,
      frame: JSON.stringify(frame),
    };
    if (target.traceparent) item.traceparent = target.traceparent;
    this.conns.push(item);
  }

  /** The same frame to many connections (presence watchers), serialized once. */
  toConns(targets: ConnTarget[], frame: ServerFrame): void {
    const text = JSON.stringify(frame);
    for (const t of targets) {
      this.conns.push({ gatewayId: t.gatewayId, connId: t.connId, frame: text });
    }
  }

  /** To every online device of the user. */
  toUser(userId: string, frame: ServerFrame, opts: UserOptions = {}): void {
    this.toUsers([userId], frame, opts);
  }

  /** To every online device of each of these users (a conversation's members). */
  toUsers(userIds: string[], frame: ServerFrame, opts: UserOptions = {}): void {
    if (userIds.length === 0) return;
    const { ifNoneReached, ...rest } = opts;
    this.users.push({
      userIds,
      frame: JSON.stringify(frame),
      ...rest,
      ...(ifNoneReached
        ? {
          ifNoneReached: {
            userId: ifNoneReached.userId,
            frame: JSON.stringify(ifNoneReached.frame),
          },
        }
        : {}),
    });
  }

  ackDevice(ack: DeviceAck): void {
    this.deviceAcks.push(ack);
  }

  /** To every connection watching the conversation (see WatcherEmit). */
  toWatchers(
    conversationId: string,
    frame: ServerFrame,
    opts: { exceptConnId?: string; requireWatcher?: WatcherTarget; otherwise?: ServerFrame } = {},
  ): void {
    const { otherwise, ...rest } = opts;
    this.watchers.push({
      conversationId,
      frame: JSON.stringify(frame),
      ...rest,
      ...(otherwise ? { otherwise: JSON.stringify(otherwise) } : {}),
    });
  }

  watch(op: WatchOp): void {
    this.watchOps.push(op);
  }

  /** Appends another outbox's content (batches split after a failure publish as one). */
  append(other: Outbox): void {
    this.conns.push(...other.conns);
    this.users.push(...other.users);
    this.deviceAcks.push(...other.deviceAcks);
    this.watchers.push(...other.watchers);
    this.watchOps.push(...other.watchOps);
    this.errorCodes.push(...other.errorCodes);
  }

  get empty(): boolean {
    return !this.conns.length && !this.users.length && !this.deviceAcks.length &&
      !this.watchers.length && !this.watchOps.length;
  }
}
