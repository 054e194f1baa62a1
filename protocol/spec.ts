/**
 * One routing entry per client frame type: its data schema, the server frame that answers it,
 * and its lane (how the server runs it). Domain files declare entries with these helpers;
 * `frames.ts` gathers them, so adding a type is one entry here plus the handler the compiler
 * then asks for (see docs/ARCHITECTURE.md, "Adding a frame type").
 *
 * Lanes: `local` is answered by the gateway itself; `tx` is stored: it crosses the partition
 * stream of its key, whose one owner runs it in a MySQL transaction, in order; `read` is served
 * by any worker (never queued behind writes); `ephemeral` is never stored and opens no
 * transaction (typing, presence, call signals).
 */
import type { Schema } from "./schema.ts";

export type Lane = "local" | "tx" | "read" | "ephemeral";

export interface FrameSpec<D = unknown, R extends string | null = string | null, L = Lane> {
  data: Schema<D>;
  /** The server frame type of the reply (an `error` may come instead); null: no reply. */
  reply: R;
  lane: L;
  /** `tx` only: the partition key (a conversation id, or per-user state `u:<userId>`). */
  key?: (data: D, userId: string) => string;
  /** Written by the server itself (never accepted from a client: `parseClientFrame` refuses it). */
  internal?: true;
}

export function local<D, const R extends string>(data: Schema<D>, reply: R) {
  return { data, reply, lane: "local" } as const satisfies FrameSpec<D, R>;
}

export function tx<D, const R extends string>(
  data: Schema<D>,
  reply: R,
  key: (data: D, userId: string) => string,
) {
  return { data, reply, lane: "tx", key } as const satisfies FrameSpec<D, R>;
}

export function read<D, const R extends string>(data: Schema<D>, reply: R) {
  return { data, reply, lane: "read" } as const satisfies FrameSpec<D, R>;
}

/**
 * Never stored, at most once. Without a reply type it is a signal: never answered when it works,
 * an `error` (with the request id, if any) when it does not. With one, its answer echoes the id.
 */
export function ephemeral<D>(data: Schema<D>): {
  readonly data: Schema<D>;
  readonly reply: null;
  readonly lane: "ephemeral";
};
export function ephemeral<D, const R extends string>(data: Schema<D>, reply: R): {
  readonly data: Schema<D>;
  readonly reply: R;
  readonly lane: "ephemeral";
};
export function ephemeral<D>(data: Schema<D>, reply: string | null = null) {
  return { data, reply, lane: "ephemeral" } as const satisfies FrameSpec<D>;
}

/**
 * A stored frame only the server writes (a call's outcome, recorded by the worker that ended
 * it): the gateway refuses it from clients, so its data may carry facts a client cannot forge.
 */
export function internalTx<D>(data: Schema<D>, key: (data: D, userId: string) => string) {
  return { data, reply: null, lane: "tx", key, internal: true } as const satisfies FrameSpec<
    D,
    null
  >;
}

/**
 * Ephemeral, but answered: nothing is stored and nothing retried (a reply lost with a crashed
 * worker is lost; the client asks again), yet the sender learns it worked (joining a live room).
 */
export function ephemeralReply<D, const R extends string>(data: Schema<D>, reply: R) {
  return { data, reply, lane: "ephemeral" } as const satisfies FrameSpec<D, R>;
}

/** Partition key of a user's own state (reserved ids), so one user's requests stay ordered. */
export function userKey(userId: string): string {
  return `u:${userId}`;
}
