/**
 * Runs transactional batches: checks the fences and runs the handlers in one MySQL transaction
 * (grouped by type in the handler table's order, each group in stream order), then publishes
 * results and acks after the commit. Bad input never costs a retry: a handler that throws a
 * PermanentError has its batch re-run one entry per transaction, so only the entry at fault is
 * answered with the error (and acked); a type this build does not know is answered too.
 */
import type { Kysely } from "kysely";
import { type BusinessType, ErrorCode } from "@im/protocol";
import type { Config } from "@im/shared/config";
import type { Database } from "@im/shared/db";
import { PermanentError } from "@im/shared/errors";
import { decodeEnvelope } from "@im/shared/wire";
import {
  type Entry,
  responder,
  type TxContext,
  type TxHandler,
  type TxHandlers,
} from "./context.ts";
import { Members } from "./domains/conversations/members.ts";
import { fenceError, holdFences } from "./fence.ts";
import { Outbox } from "./outbox.ts";
import type { Publisher } from "./publish.ts";

export type RawEntry = [id: string, fields: string[]];

export function decodeEntry([id, fields]: RawEntry, partition: number): Entry | null {
  const env = decodeEnvelope(fields);
  return env ? { id, partition, env } as Entry : null;
}

export interface BatchResult {
  processed: number;
  rejected: number;
  deliveries: number;
}

export interface PartitionBatch {
  stream: string;
  partition: number;
  fence: number;
  entries: Entry[];
}

/** A batch whose transaction committed, with what it must publish. */
export interface Committed {
  batches: PartitionBatch[];
  outbox: Outbox;
  processed: number;
  rejected: number;
  /** The deliveries' route lookup, started before the commit (Publisher.prefetch). */
  routes?: ReturnType<Publisher["prefetch"]>;
}

export class BatchProcessor {
  readonly knownUsers = new BoundedSet(100_000);
  /** Called with each handler run's type and seconds (the per-handler latency metric). */
  onHandler: (type: string, seconds: number) => void = () => {};

  constructor(
    private readonly db: Kysely<Database>,
    private readonly handlers: TxHandlers,
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
      done.routes ?? null,
    );
  }

  /** Runs the handlers and commits; nothing is published or acked yet. */
  async commit(batches: PartitionBatch[]): Promise<Committed> {
    try {
      return await this.#transaction(batches);
    } catch (err) {
      if (!(err instanceof PermanentError)) throw err;
      const all = batches.flatMap((b) => b.entries);
      if (all.length === 1) {
        const outbox = new Outbox();
        responder(outbox).reject(all[0], err);
        return { batches, outbox, processed: 1, rejected: 1 };
      }
      // Someone's bad input: isolate it, one entry per transaction, in stream order.
      const outbox = new Outbox();
      let rejected = 0;
      for (const b of batches) {
        for (const e of b.entries) {
          const one = await this.commit([{ ...b, entries: [e] }]);
          outbox.append(one.outbox);
          rejected += one.rejected;
        }
      }
      return { batches, outbox, processed: all.length, rejected };
    }
  }

  async #transaction(batches: PartitionBatch[]): Promise<Committed> {
    const outbox = new Outbox();
    let rejected = 0;
    let routes: Committed["routes"] = null;
    const all = batches.flatMap((b) => b.entries);
    // The worker's connections run READ COMMITTED (see worker.ts): no gap-lock deadlocks.
    await this.db.transaction().execute(async (tx) => {
      await holdFences(tx, batches); // checked with the first statement (fence.ts)
      const ctx: TxContext = {
        tx,
        config: this.config,
        now: this.now(),
        nextId: this.nextId,
        outbox,
        knownUsers: this.knownUsers,
        members: new Members(tx),
        ...responder(outbox, () => rejected++),
      };
      const { runs, unknown } = runsByType(all, this.handlers);
      for (const e of unknown) ctx.reject(e, unknownType(e.env.frame.type));
      for (const run of runs) {
        const type = run[0].env.frame.type;
        const route = this.handlers[type as keyof TxHandlers];
        const started = performance.now();
        await (route.run as TxHandler<BusinessType>)(ctx, run);
        this.onHandler(type, (performance.now() - started) / 1000);
      }
      routes = this.publisher.prefetch(outbox); // overlaps the commit
    }).catch((err) => {
      throw fenceError(err, batches);
    });
    return { batches, outbox, processed: all.length, rejected, routes };
  }
}

/**
 * Groups entries by type in the handler table's order, each group in stream order; entries of
 * types the table lacks come back apart (they are answered, not run).
 */
export function runsByType(
  entries: Entry[],
  handlers: TxHandlers,
): { runs: Entry[][]; unknown: Entry[] } {
  const groups = new Map<string, Entry[]>();
  const unknown: Entry[] = [];
  for (const e of entries) {
    const type = e.env.frame.type;
    if (!Object.hasOwn(handlers, type)) {
      unknown.push(e);
      continue;
    }
    const g = groups.get(type);
    if (g) g.push(e);
    else groups.set(type, [e]);
  }
  const order = (t: string) => handlers[t as keyof TxHandlers].order;
  const runs = [...groups].sort(([a], [b]) => order(a) - order(b)).map(([, g]) => g);
  return { runs, unknown };
}

/** A newer gateway may route a type this (older) worker does not know: answered, never retried. */
export const unknownType = (type: string) =>
  new PermanentError(ErrorCode.UNKNOWN_TYPE, `this server cannot handle "${type}" frames yet`);

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

export const internalError = () =>
  new PermanentError(ErrorCode.INTERNAL, "the server could not process this request");
