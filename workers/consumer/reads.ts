/**
 * The read lane: sync, history and later lists and search, from one load-balanced stream that
 * every worker reads under its own consumer name (Redis hands each entry to one of them), so a
 * read never queues behind a partition's writes. Reads need no order and write nothing: each is
 * served on its own (a few at a time) with plain autocommit queries, answered and acked in one
 * pipeline. A read that fails transiently stays pending; any worker reclaims it once idle, and
 * it is dead-lettered after MAX_DELIVERIES.
 */
import type { BusinessType } from "@im/protocol";
import type { Config } from "@im/shared/config";
import type { Exec } from "@im/shared/db";
import { PermanentError } from "@im/shared/errors";
import { CONSUMER_GROUP } from "@im/shared/keys";
import type { Logger } from "@im/shared/log";
import type { Counter } from "@im/shared/metrics";
import type { Redis } from "@im/shared/redis";
import { decodeEntry, type RawEntry, unknownType } from "../batch.ts";
import { type Entry, type ReadHandler, type ReadHandlers, responder } from "../context.ts";
import { Members } from "../domains/conversations/members.ts";
import { Outbox } from "../outbox.ts";
import type { Publisher } from "../publish.ts";
import type { DeadLetters } from "./dead_letters.ts";
import { sleep } from "./sleep.ts";
import { trimBelowPending } from "./trim.ts";

export interface ReadLaneDeps {
  redis: Redis;
  reader: Redis;
  stream: string;
  workerId: string;
  db: Exec;
  handlers: ReadHandlers;
  publisher: Publisher;
  deadLetters: DeadLetters;
  config: Config;
  log: Logger;
  processed: Counter;
  ping(): Promise<void>;
  /** Called with each read's type and handler seconds (metrics). */
  onHandler?: (type: string, seconds: number) => void;
}

/** Reads served at once by one worker (each holds a MySQL connection). */
const CONCURRENCY = 4;
/** A pending read idle this long belongs to a worker that died or failed: reclaim it. */
export const RECLAIM_IDLE_MS = 5000;
const MAINTAIN_MS = 2000;

export class ReadLane {
  constructor(private readonly d: ReadLaneDeps) {}

  async run(signal: AbortSignal): Promise<void> {
    const upkeep = this.#upkeep(signal);
    while (!signal.aborted) {
      try {
        const res = await this.d.reader.xreadgroup(
          "GROUP",
          CONSUMER_GROUP,
          this.d.workerId,
          "COUNT",
          CONCURRENCY * 8,
          "BLOCK",
          this.d.config.blockMs,
          "STREAMS",
          this.d.stream,
          ">",
        ) as Array<[string, RawEntry[]]> | null;
        if (res) await this.serve(res[0][1]);
      } catch (err) {
        if (signal.aborted) break;
        this.d.log.warn("read lane error", { err });
        await sleep(500, signal);
      }
    }
    await upkeep;
  }

  /** Serves raw entries a few at a time; each is answered and acked on its own. */
  async serve(raw: RawEntry[]): Promise<void> {
    const corrupt = raw.filter((r) => !decodeEntry(r, -1));
    await this.d.deadLetters.bury(this.d.stream, -1, corrupt, "undecodable entry", 0);
    const entries = raw.map((r) => decodeEntry(r, -1)).filter((e): e is Entry => e !== null);
    let next = 0;
    await Promise.all(Array.from({ length: Math.min(CONCURRENCY, entries.length) }, async () => {
      while (next < entries.length) await this.#one(entries[next++]);
    }));
  }

  async #one(e: Entry): Promise<void> {
    const outbox = new Outbox();
    const { reply, reject } = responder(outbox);
    const handler = this.d.handlers[e.env.frame.type as keyof ReadHandlers] as
      | ReadHandler<BusinessType>
      | undefined;
    try {
      if (!handler) reject(e, unknownType(e.env.frame.type));
      else {
        const ctx = {
          db: this.d.db,
          config: this.d.config,
          now: Date.now(),
          outbox,
          members: new Members(this.d.db),
          reply,
          reject,
        };
        const started = performance.now();
        await handler(ctx, e);
        this.d.onHandler?.(e.env.frame.type, (performance.now() - started) / 1000);
      }
    } catch (err) {
      if (!(err instanceof PermanentError)) {
        // Left pending: reclaimed once idle, by any worker.
        return this.d.log.warn("read failed; will retry", { entry: e.id, err });
      }
      reject(e, err);
    }
    await this.d.publisher.publish(outbox, [{ stream: this.d.stream, ids: [e.id] }]);
    this.d.processed.inc({ lane: "read" });
  }

  /** Reclaims idle pending reads (dead-lettering repeat failures) and trims the stream. */
  async #upkeep(signal: AbortSignal) {
    while (!signal.aborted) {
      await sleep(MAINTAIN_MS, signal);
      if (signal.aborted) break;
      try {
        await this.reclaimIdle();
        await trimBelowPending(this.d.redis, [this.d.stream]);
      } catch (err) {
        this.d.log.warn("read lane upkeep failed; will try again", { err });
      }
    }
  }

  async reclaimIdle(): Promise<void> {
    const pending = await this.d.redis.xpending(
      this.d.stream,
      CONSUMER_GROUP,
      "IDLE",
      RECLAIM_IDLE_MS,
      "-",
      "+",
      100,
    ) as Array<[string, string, number, number]>;
    if (pending.length === 0) return;
    await this.d.ping(); // an outage must not burn delivery counts
    const counts = new Map(pending.map(([id, , , n]) => [id, n + 1]));
    // XCLAIM with a minimum idle time: of several workers claiming at once, one gets each entry.
    const claimed = (await this.d.redis.xclaim(
      this.d.stream,
      CONSUMER_GROUP,
      this.d.workerId,
      RECLAIM_IDLE_MS,
      ...pending.map(([id]) => id),
    ) as Array<RawEntry | null>).filter((r): r is RawEntry => r !== null);
    const dead = claimed.filter(([id]) => counts.get(id)! > this.d.config.maxDeliveries);
    const deadIds = new Set(dead.map(([id]) => id));
    await this.d.deadLetters.bury(
      this.d.stream,
      -1,
      dead,
      "max deliveries exceeded",
      this.d.config.maxDeliveries,
    );
    await this.serve(claimed.filter(([id]) => !deadIds.has(id)));
  }
}
