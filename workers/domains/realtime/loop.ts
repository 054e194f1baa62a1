/**
 * The worker's realtime upkeep, beside its lanes: every tick it takes the due members of the
 * presence and call-timer shards no other worker is working (../realtime/due.ts), runs them,
 * publishes what they produced and settles them. Any worker may run any shard; a shard's lock
 * keeps it to one at a time.
 */
import type { Config } from "@im/shared/config";
import type { Exec } from "@im/shared/db";
import { type Keys, REALTIME_SHARDS } from "@im/shared/keys";
import type { Logger } from "@im/shared/log";
import type { Redis, RouteStore } from "@im/shared/redis";
import { sleep } from "../../consumer/sleep.ts";
import { Outbox } from "../../outbox.ts";
import type { Publisher } from "../../publish.ts";
import { callDeps } from "../calls/deps.ts";
import { callDevicesSeen, runCallTimers } from "../calls/timers.ts";
import { PresenceStore } from "../presence/store.ts";
import { sweepPresence } from "../presence/sweep.ts";
import { DueSet } from "./due.ts";

export interface RealtimeLoopDeps {
  redis: Redis;
  keys: Keys;
  routes: RouteStore;
  db: Exec;
  config: Config;
  publisher: Publisher;
  workerId: string;
  log: Logger;
  now?: () => number;
}

export const TICK_MS = 100;

export class RealtimeLoop {
  readonly #presenceDue: DueSet;
  readonly #callDue: DueSet;
  readonly #presence: PresenceStore;

  constructor(private readonly d: RealtimeLoopDeps) {
    const { redis, keys, workerId } = d;
    this.#presenceDue = new DueSet(
      redis,
      {
        schedule: (s) => keys.presenceDue(s),
        lock: (s) => keys.presenceLock(s),
      },
      REALTIME_SHARDS,
      workerId,
    );
    this.#callDue = new DueSet(
      redis,
      {
        schedule: (s) => keys.callDue(s),
        lock: (s) => keys.callLock(s),
      },
      REALTIME_SHARDS,
      workerId,
    );
    this.#presence = new PresenceStore(redis, keys);
  }

  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        await this.tick();
      } catch (err) {
        if (signal.aborted) break;
        this.d.log.warn("realtime upkeep failed; will try again", { err });
      }
      await sleep(TICK_MS, signal);
    }
  }

  /** One pass over both schedules; returns how many members it handled. */
  async tick(): Promise<number> {
    const now = (this.d.now ?? Date.now)();
    const calls = callDeps(this.d);
    const outbox = new Outbox();
    const presence = await this.#presenceDue.claim(now);
    let handled = presence.length;
    if (presence.length) {
      const swept = await sweepPresence(
        { ...this.d, store: this.#presence, routeTtlMs: this.d.config.routeTtlSec * 1000 },
        outbox,
        presence,
        now,
      );
      await callDevicesSeen(calls, swept.devices, now);
      await this.d.publisher.publish(outbox);
      await this.#presenceDue.settle(swept.settled, new Set(presence.map((p) => p.shard)));
    }
    const timers = await this.#callDue.claim(now);
    handled += timers.length;
    if (timers.length) {
      const out = new Outbox();
      await runCallTimers(calls, out, timers, now);
      await this.d.publisher.publish(out);
      await this.#callDue.settle(timers, new Set(timers.map((t) => t.shard)));
    }
    return handled;
  }
}
