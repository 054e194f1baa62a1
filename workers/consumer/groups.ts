/** Creates the consumer group of every stream a worker reads (idempotent). */
import { CONSUMER_GROUP, type Keys } from "@im/shared/keys";
import { pipeline, type Redis } from "@im/shared/redis";

export async function ensureGroups(redis: Redis, keys: Keys, partitions: number): Promise<void> {
  const streams = [
    ...Array.from({ length: partitions }, (_, p) => keys.partition(p)),
    keys.reads(),
    keys.ephemeral(),
  ];
  const pipe = pipeline(redis);
  // From 0, not $: entries a gateway wrote before any worker existed are still processed.
  for (const s of streams) pipe.xgroup("CREATE", s, CONSUMER_GROUP, "0", "MKSTREAM");
  for (const [err] of (await pipe.exec()) ?? []) {
    if (err && !String(err.message).includes("BUSYGROUP")) throw err;
  }
}
