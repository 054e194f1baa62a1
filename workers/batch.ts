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
import { claimFences } from "./fence.ts";
import { Outbox } from "./outbox.ts";
import type { Publisher } from "./publish.ts";

export type BusinessType = BusinessFrame["type"];

export interface Entry<T extends BusinessType = BusinessType> {
  /** Stream entry id: the idempotency anchor of a redelivery. */
  id: string;
  /** The partition it was read from (re-push schedules live with the partition). */
  partition: number;
  env: Envelope & { frame: Extract<BusinessFrame, { type: T }> };
}

export interface BatchContext {
  tx: Transaction<Database>;
  config: Config;
  now: number;
  nextId(): string;
  outbox: Outbox;
  /** User ids known to exist (accounts are never deleted), shared across batches. */
  knownUsers: Set<string>;
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

export function decodeEntry([id, fields]: RawEntry, partition: number): Entry | null {
  const i = fields.indexOf("e");
  if (i < 0 || i % 2 !== 0) return null;
  try {
    const env = JSON.parse(fields[i + 1]) as Envelope;
    if (typeof env?.frame?.type !== "string" || typeof env.userId !== "string") return null;
    return { id, partition, env } as Entry;
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
  readonly knownUsers = new BoundedSet(100_000);

  constructor(
    private readonly db: Kysely<Database>,
    private readonly handlers: HandlerTable,
    private readonly publisher: Publisher,
    private readonly config: Config,
    private readonly nextId: () => string,
    private readonly now: () => number = Date.now,
  ) {}

  /** One partition's entries, decoded and in stream order. Throws on transient failure. */
  process(stream: string, partition: number, fence: number, entries: Entry[]) {
    return this.processMany([{ stream, partition, fence, entries }]);
  }

  /**
   * Several partitions' batches in one transaction (one commit, one publish round trip): each
   * partition's entries stay in stream order; the fences of all of them are checked at commit.
   * Throws on transient failure (nothing acked); the caller may retry partition by partition.
   */
  async processMany(batches: PartitionBatch[]): Promise<BatchResult> {
    const done = await this.commit(batches);
    return { ...done, deliveries: await this.publish(done) };
  }

  /** Publishes what a committed batch produced and acks its entries (see Publisher). */
  publish(done: Committed): Promise<number> {
    return this.publisher.publish(
      done.outbox,
      done.batches.map((b) => ({ stream: b.stream, ids: b.entries.map((e) => e.id) })),
    );
  }

  /** Runs the handlers and commits; nothing is published or acked yet. */
  async commit(batches: PartitionBatch[]): Promise<Committed> {
    const outbox = new Outbox();
    let rejected = 0;
    const all = batches.flatMap((b) => b.entries);
    // The worker's connections run READ COMMITTED (see worker.ts): no gap-lock deadlocks.
    await this.db.transaction().execute(async (tx) => {
      await claimFences(tx, batches);
      const ctx: BatchContext = {
        tx,
        config: this.config,
        now: this.now(),
        nextId: this.nextId,
        outbox,
        knownUsers: this.knownUsers,
        reject: (entry, error) => {
          rejected++;
          ctx.reply(entry, { type: "error", data: { code: error.code, message: error.message } });
        },
        reply: (entry, frame) => {
          const f = entry.env.frame.id === undefined ? frame : { ...frame, id: entry.env.frame.id };
          outbox.toConn(entry.env, f as ServerFrame);
        },
      };
      for (const run of runsByType(all)) {
        const handler = this.handlers[run[0].env.frame.type] as Handler<BusinessType>;
        await handler(ctx, run);
      }
    });
    return { batches, outbox, processed: all.length, rejected };
  }
}

/** A set that forgets everything when it grows past its cap: a cache, never a source of truth. */
export class BoundedSet extends Set<string> {
  constructor(private readonly cap: number) {
    super();
  }
  override add(v: string): this {
    if (this.size >= this.cap) this.clear();
    return super.add(v);
  }
}

/** A batch whose transaction committed, with what it must publish. */
export interface Committed {
  batches: PartitionBatch[];
  outbox: Outbox;
  processed: number;
  rejected: number;
}

export interface PartitionBatch {
  stream: string;
  partition: number;
  fence: number;
  entries: Entry[];
}

/**
 * The order handlers run in within one batch. Grouping by type keeps the statements per batch
 * bounded by the number of types, not the number of type changes. Each group keeps stream order,
 * and an entry only ever depends on earlier entries of a type that runs no later: receipts and
 * recalls need the messages they name to exist (sends run first), reads see every write.
 */
const TYPE_ORDER: { [T in BusinessType]: number } = {
  "ids.fetch": 0,
  "msg.send": 1,
  "msg.recall": 2,
  "msg.delivered": 3,
  "msg.read": 4,
  history: 5,
  sync: 6,
};

export function runsByType(entries: Entry[]): Entry[][] {
  const groups = new Map<BusinessType, Entry[]>();
  for (const e of entries) {
    const g = groups.get(e.env.frame.type);
    if (g) g.push(e);
    else groups.set(e.env.frame.type, [e]);
  }
  return [...groups.entries()].sort(([a], [b]) => TYPE_ORDER[a] - TYPE_ORDER[b]).map(([, g]) => g);
}

export const internalError = () =>
  new PermanentError(ErrorCode.INTERNAL, "the server could not process this request");
