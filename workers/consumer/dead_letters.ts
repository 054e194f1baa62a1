/**
 * Dead letters: entries that cannot be decoded or failed MAX_DELIVERIES times go to the `dlq`
 * stream with their reason and origin, their senders get `INTERNAL`, and they are acked, so a
 * poison entry never blocks its stream. `deno task dlq` lists and replays them.
 */
import type { Keys } from "@im/shared/keys";
import type { Logger } from "@im/shared/log";
import type { Counter } from "@im/shared/metrics";
import { pipeline, type Redis } from "@im/shared/redis";
import { traceIdOf } from "@im/shared/telemetry";
import { decodeEntry, internalError, type RawEntry } from "../batch.ts";
import { responder } from "../context.ts";
import { Outbox } from "../outbox.ts";
import type { Publisher } from "../publish.ts";

export interface DeadLetterDeps {
  redis: Redis;
  keys: Keys;
  publisher: Publisher;
  log: Logger;
  counter: Counter;
}

export class DeadLetters {
  constructor(private readonly d: DeadLetterDeps) {}

  /** `partition` is the tx partition the stream belongs to, or -1 for the other lanes. */
  async bury(
    stream: string,
    partition: number,
    raw: RawEntry[],
    reason: string,
    deliveries: number,
  ) {
    if (raw.length === 0) return;
    const pipe = pipeline(this.d.redis);
    const outbox = new Outbox();
    const { reject } = responder(outbox);
    const traceIds: string[] = [];
    for (const [id, fields] of raw) {
      pipe.xadd(
        this.d.keys.deadLetters(),
        "MAXLEN",
        "~",
        100_000,
        "*",
        "stream",
        stream,
        "partition",
        partition,
        "entry",
        id,
        "reason",
        reason,
        "deliveries",
        deliveries,
        "at",
        Date.now(),
        ...fields,
      );
      const e = decodeEntry([id, fields], partition);
      if (e) reject(e, internalError());
      const traceId = traceIdOf(e?.env.traceparent);
      if (traceId) traceIds.push(traceId);
    }
    await pipe.exec();
    this.d.counter.inc({ reason }, raw.length);
    this.d.log.error("entries dead-lettered", {
      stream,
      reason,
      entries: raw.map(([id]) => id),
      ...(traceIds.length ? { traceIds } : {}),
    });
    await this.d.publisher.publish(outbox, [{ stream, ids: raw.map(([id]) => id) }]);
  }
}
