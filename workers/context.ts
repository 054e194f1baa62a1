/**
 * What handlers see: the entry (envelope with identity, never from the frame) and a context per
 * lane. Every handler table is a mapped type over its lane's frame types, so a frame type
 * without a handler does not compile.
 */
import type { BusinessType, ClientFrameOf, ServerFrame, TypesOf } from "@im/protocol";
import type { Config } from "@im/shared/config";
import type { Exec, OneStatement } from "@im/shared/db";
import type { Keys } from "@im/shared/keys";
import type { Redis, RouteStore } from "@im/shared/redis";
import type { PermanentError } from "@im/shared/errors";
import type { Envelope } from "@im/shared/wire";
import type { Members } from "./domains/conversations/members.ts";
import type { Outbox } from "./outbox.ts";

export interface Entry<T extends BusinessType = BusinessType> {
  /** Stream entry id: the idempotency anchor of a redelivery. */
  id: string;
  /** The partition it was read from (re-push schedules live with the partition); -1 off the tx lane. */
  partition: number;
  env: Envelope & { frame: ClientFrameOf<T> };
}

interface BaseContext {
  config: Config;
  now: number;
  outbox: Outbox;
  /** Conversation members, resolved through this context's executor and cached for the batch. */
  members: Members;
  /** Answers the entry's sender with an error frame; the entry is still acked. */
  reject(entry: { env: Envelope }, error: PermanentError): void;
  /** Replies to the connection that sent the entry, echoing its request id. */
  reply(entry: { env: Envelope }, frame: ServerFrame): void;
}

/** Transactional lane: one MySQL transaction per batch, fenced, in partition order. */
export interface TxContext extends BaseContext {
  tx: Exec;
  nextId(): string;
  /** User ids known to exist (accounts are never deleted), shared across batches. */
  knownUsers: Set<string>;
  /** Independent reads of this transaction in one round trip (shared/db readTogether). */
  readTogether(reads: OneStatement[]): Promise<unknown[][]>;
  /**
   * Inbox positions this transaction holds locked, by partition, once a handler read them
   * ahead (groups/inbox.ts positionsRead); appendInbox keeps them current.
   */
  inboxPositions?: Map<number, number>;
}

/** Read lane: a read-only snapshot; answers only. */
export interface ReadContext extends BaseContext {
  db: Exec;
}

/** Ephemeral lane: no transaction at all; reads are single statements. */
export interface EphemeralContext extends BaseContext {
  db: Exec;
  /** Ephemeral state (presence, calls) lives in Redis, moved by one script per atomic step. */
  redis: Redis;
  keys: Keys;
  routes: RouteStore;
}

export type TxHandler<T extends BusinessType> = (
  ctx: TxContext,
  entries: Array<Entry<T>>,
) => Promise<void>;
export type ReadHandler<T extends BusinessType> = (
  ctx: ReadContext,
  entry: Entry<T>,
) => Promise<void>;
export type EphemeralHandler<T extends BusinessType> = (
  ctx: EphemeralContext,
  entries: Array<Entry<T>>,
) => Promise<void>;

/**
 * A transactional type's handler and its place in a batch. A batch runs handlers grouped by type
 * in ascending `order` (statements per batch stay bounded by the number of types), each group in
 * stream order; an entry may depend only on entries of types that run no later (receipts and
 * recalls need the messages they name, so sends run first).
 */
export interface TxRoute<T extends BusinessType> {
  order: number;
  run: TxHandler<T>;
}

export type TxHandlers = { [T in TypesOf<"tx">]: TxRoute<T> };
export type ReadHandlers = { [T in TypesOf<"read">]: ReadHandler<T> };
export type EphemeralHandlers = { [T in TypesOf<"ephemeral">]: EphemeralHandler<T> };

export interface Handlers {
  tx: TxHandlers;
  read: ReadHandlers;
  ephemeral: EphemeralHandlers;
}

/** `reply` and `reject` writing into an outbox. */
export function responder(outbox: Outbox, onReject: () => void = () => {}) {
  const reply = (entry: { env: Envelope }, frame: ServerFrame) => {
    const id = entry.env.frame.id;
    outbox.toConn(entry.env, id === undefined ? frame : { ...frame, id } as ServerFrame);
  };
  const reject = (entry: { env: Envelope }, error: PermanentError) => {
    onReject();
    reply(entry, { type: "error", data: { code: error.code, message: error.message } });
  };
  return { reply, reject };
}
