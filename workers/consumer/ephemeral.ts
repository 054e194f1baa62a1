/**
 * The ephemeral lane: typing, presence and call signals. Like the read lane it is one
 * load-balanced stream every worker reads, but read with NOACK: nothing is pending, nothing is
 * retried (a typing frame that outlives a crash is worthless), and no transaction is opened.
 * Membership is checked with plain queries; results are published as one pipeline per read.
 */
import type { BusinessType } from "@im/protocol";
import type { Config } from "@im/shared/config";
import type { Exec } from "@im/shared/db";
import { PermanentError } from "@im/shared/errors";
import { CONSUMER_GROUP, type Keys } from "@im/shared/keys";
import type { Logger } from "@im/shared/log";
import type { Counter } from "@im/shared/metrics";
import type { Redis, RouteStore } from "@im/shared/redis";
import { decodeEntry, type RawEntry, unknownType } from "../batch.ts";
import {
  type Entry,
  type EphemeralContext,
  type EphemeralHandler,
  type EphemeralHandlers,
  responder,
} from "../context.ts";
import { Members } from "../domains/conversations/members.ts";
import { Outbox } from "../outbox.ts";
import type { Publisher } from "../publish.ts";
import { sleep } from "./sleep.ts";

export interface EphemeralLaneDeps {
  reader: Redis;
  /** Command connection, keys and routes for handlers that keep state in Redis (calls, presence). */
  redis: Redis;
  keys: Keys;
  routes: RouteStore;
  stream: string;
  workerId: string;
  db: Exec;
  handlers: EphemeralHandlers;
  publisher: Publisher;
  config: Config;
  log: Logger;
  processed: Counter;
  /** Called with each handler run's type and seconds (metrics). */
  onHandler?: (type: string, seconds: number) => void;
}

export class EphemeralLane {
  constructor(private readonly d: EphemeralLaneDeps) {}

  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        const res = await this.d.reader.xreadgroup(
          "GROUP",
          CONSUMER_GROUP,
          this.d.workerId,
          "COUNT",
          500,
          "BLOCK",
          this.d.config.blockMs,
          "NOACK",
          "STREAMS",
          this.d.stream,
          ">",
        ) as Array<[string, RawEntry[]]> | null;
        if (res) await this.serve(res[0][1]);
      } catch (err) {
        if (signal.aborted) break;
        this.d.log.warn("ephemeral lane error", { err });
        await sleep(500, signal);
      }
    }
  }

  async serve(raw: RawEntry[]): Promise<void> {
    const outbox = new Outbox();
    const groups = new Map<string, Entry[]>();
    for (const r of raw) {
      const e = decodeEntry(r, -1);
      if (!e) continue; // nothing to answer and nothing to keep: it was never stored
      const g = groups.get(e.env.frame.type);
      if (g) g.push(e);
      else groups.set(e.env.frame.type, [e]);
    }
    const members = new Members(this.d.db);
    for (const [type, entries] of groups) {
      const handler = this.d.handlers[type as keyof EphemeralHandlers] as
        | EphemeralHandler<BusinessType>
        | undefined;
      const started = performance.now();
      if (handler) await this.#run(handler, members, entries, outbox);
      if (handler) this.d.onHandler?.(type, (performance.now() - started) / 1000);
      else for (const e of entries) responder(outbox).reject(e, unknownType(type));
    }
    await this.d.publisher.publish(outbox);
    this.d.processed.inc({ lane: "ephemeral" }, raw.length);
  }

  /**
   * Runs a handler into its own outbox, kept only if it succeeds; one that throws for bad input
   * is re-run entry by entry, so only the entry at fault is answered with the error.
   */
  async #run(
    handler: EphemeralHandler<BusinessType>,
    members: Members,
    entries: Entry[],
    into: Outbox,
  ): Promise<void> {
    const outbox = new Outbox();
    const ctx: EphemeralContext = {
      db: this.d.db,
      redis: this.d.redis,
      keys: this.d.keys,
      routes: this.d.routes,
      config: this.d.config,
      now: Date.now(),
      outbox,
      members,
      ...responder(outbox),
    };
    try {
      await handler(ctx, entries);
      into.append(outbox);
    } catch (err) {
      if (!(err instanceof PermanentError)) {
        return this.d.log.warn("ephemeral frames dropped", { err, entries: entries.length });
      }
      if (entries.length === 1) return responder(into).reject(entries[0], err);
      for (const e of entries) await this.#run(handler, members, [e], into);
    }
  }
}
