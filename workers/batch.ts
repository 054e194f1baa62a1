/**
 * Runs one partition batch: decodes envelopes, checks the fence and runs the handlers in one MySQL
 * transaction (runs of consecutive same-type entries go to a handler together, so stream order is
 * kept and the common case stays batched), then publishes results and acks after the commit.
 */
import type { Kysely, Transaction } from "kysely";
import type { Config } from "@im/shared/config";
import type { Database } from "@im/shared/db";
import {
  type BusinessFrame,
  type Envelope,
  ErrorCode,
  PermanentError,
  type ServerFrame,
} from "@im/shared/protocol";
import { claimFence } from "./fence.ts";
import { Outbox } from "./outbox.ts";
import type { Publisher } from "./publish.ts";

export type BusinessType = BusinessFrame["type"];

export interface Entry<T extends BusinessType = BusinessType> {
  /** Stream entry id: the idempotency anchor of a redelivery. */
  id: string;
  env: Envelope & { frame: Extract<BusinessFrame, { type: T }> };
}

export interface BatchContext {
  tx: Transaction<Database>;
  config: Config;
  now: number;
  nextId(): string;
  outbox: Outbox;
  /** Answers the entry's sender with an error frame; the entry is still acked. */
  reject(entry: { env: Envelope }, error: PermanentError): void;
  /** Replies to the connection that sent the entry, echoing its request id. */
  reply(entry: { env: Envelope }, frame: ServerFrame): void;
}

export type Handler<T extends BusinessType> = (
  ctx: BatchContext,
  entries: Array<Entry<T>>,
) => Promise<void>;

/** A missing handler for a frame type is a compile error. */
export type HandlerTable = { [T in BusinessType]: Handler<T> };

export type RawEntry = [id: string, fields: string[]];

export function decodeEntry([id, fields]: RawEntry): Entry | null {
  const i = fields.indexOf("e");
  if (i < 0 || i % 2 !== 0) return null;
  try {
    const env = JSON.parse(fields[i + 1]) as Envelope;
    if (typeof env?.frame?.type !== "string" || typeof env.userId !== "string") return null;
    return { id, env } as Entry;
  } catch {
    return null;
  }
}

export interface BatchResult {
  processed: number;
  rejected: number;
  deliveries: number;
}

export class BatchProcessor {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly handlers: HandlerTable,
    private readonly publisher: Publisher,
    private readonly config: Config,
    private readonly nextId: () => string,
    private readonly now: () => number = Date.now,
  ) {}

  /** Entries must be decoded and in stream order. Throws on transient failure (nothing acked). */
  async process(stream: string, partition: number, fence: number, entries: Entry[]) {
    const outbox = new Outbox();
    let rejected = 0;
    await this.db.transaction().execute(async (tx) => {
      await claimFence(tx, partition, fence);
      const ctx: BatchContext = {
        tx,
        config: this.config,
        now: this.now(),
        nextId: this.nextId,
        outbox,
        reject: (entry, error) => {
          rejected++;
          ctx.reply(entry, { type: "error", data: { code: error.code, message: error.message } });
        },
        reply: (entry, frame) => {
          const f = entry.env.frame.id === undefined ? frame : { ...frame, id: entry.env.frame.id };
          outbox.toConn(entry.env, f as ServerFrame);
        },
      };
      for (const run of runsByType(entries)) {
        const handler = this.handlers[run[0].env.frame.type] as Handler<BusinessType>;
        await handler(ctx, run);
      }
    });
    const deliveries = await this.publisher.publish(outbox, {
      stream,
      ids: entries.map((e) => e.id),
    }, partition);
    return { processed: entries.length, rejected, deliveries } satisfies BatchResult;
  }
}

function runsByType(entries: Entry[]): Entry[][] {
  const runs: Entry[][] = [];
  for (const e of entries) {
    const last = runs.at(-1);
    if (last && last[0].env.frame.type === e.env.frame.type) last.push(e);
    else runs.push([e]);
  }
  return runs;
}

export const internalError = () =>
  new PermanentError(ErrorCode.INTERNAL, "the server could not process this request");
