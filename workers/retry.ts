/**
 * Server re-push: a device that was sent a message and has not acked its delivery gets it again
 * at each offset of RETRY_SCHEDULE_SEC after the first send (default +5 s, +30 s, +300 s), to
 * whatever connection its route names at that moment; after the last try the message is left to
 * sync. The schedule is a sorted set per partition in Redis, so it survives worker restarts, and
 * only the partition's owner runs it.
 */
import type { Keys } from "@im/shared/keys";
import { pipeline, type Redis, type RouteStore } from "@im/shared/redis";
import type { Db } from "@im/shared/db";
import { decodeRepush, encodeRepush, type Repush } from "@im/shared/wire";
import { findByIds } from "./domains/messages/tables.ts";
import { toView } from "./domains/messages/views.ts";
import { refsFor } from "./domains/messages/hydrate.ts";
import { Outbox } from "./outbox.ts";
import type { Publisher } from "./publish.ts";

export class RetryScheduler {
  /** Called once per re-push sent, with its attempt (1 = the first re-push). */
  onRepush: (attempt: number) => void = () => {};

  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
    private readonly routes: RouteStore,
    private readonly db: Db,
    private readonly publisher: Publisher,
    /** Offsets from the first send, ascending (ms). */
    private readonly offsetsMs: number[],
    private readonly now: () => number = Date.now,
  ) {}

  /** Re-pushes what is due on these partitions; returns the number of re-pushes sent. */
  async runDue(partitions: number[], max = 500): Promise<number> {
    if (partitions.length === 0 || this.offsetsMs.length === 0) return 0;
    const now = this.now();
    const read = pipeline(this.redis);
    for (const p of partitions) {
      read.zrangebyscore(this.keys.retrySchedule(p), "-inf", now, "LIMIT", 0, max);
    }
    const res = await read.exec();
    const due: Array<[number, Repush & { member: string }]> = [];
    partitions.forEach((p, i) => {
      for (const member of (res?.[i]?.[1] as string[] | undefined) ?? []) {
        const d = decodeRepush(member);
        if (d) due.push([p, { ...d, member }]);
      }
    });
    if (due.length === 0) return 0;

    const acks = pipeline(this.redis);
    for (const [, d] of due) {
      acks.hget(this.keys.deviceAcks(d.userId), `${d.deviceId}|${d.conversationId}`);
    }
    const acked = (await acks.exec())?.map(([, v]) => Number(v ?? 0)) ?? [];
    const open = due.filter(([, d], i) => acked[i] < d.seq);
    const routes = await this.routes.lookup(open.map(([, d]) => d.userId));
    const messages = await findByIds(this.db, [...new Set(open.map(([, d]) => d.msgId))]);
    const refs = await refsFor(this.db, messages.values()); // reply quotes

    const outbox = new Outbox();
    const attempts: number[] = [];
    const next = pipeline(this.redis);
    for (const [p, d] of open) {
      const route = routes.get(d.userId)?.find((r) => r.deviceId === d.deviceId);
      const m = messages.get(d.msgId);
      if (route && m) {
        outbox.toConn(route, { type: "msg.new", data: toView(m, { refs }) });
        attempts.push(d.attempt + 1);
      }
      const nextAttempt = d.attempt + 1;
      if (m && nextAttempt < this.offsetsMs.length) {
        const wait = this.offsetsMs[nextAttempt] - this.offsetsMs[d.attempt];
        const { member: _, ...r } = d;
        next.zadd(
          this.keys.retrySchedule(p),
          now + wait,
          encodeRepush({ ...r, attempt: nextAttempt }),
        );
      }
    }
    await this.publisher.publish(outbox);
    for (const a of attempts) this.onRepush(a);
    for (const [p, d] of due) next.zrem(this.keys.retrySchedule(p), d.member);
    await next.exec();
    return outbox.conns.length;
  }
}
