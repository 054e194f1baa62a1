/** The group bench's Redis chores: waiting out a backlog between phases, and cleaning up. */
import { Redis } from "ioredis";
import { CONSUMER_GROUP, Keys } from "@im/shared/keys";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const redisUrl = () => Deno.env.get("REDIS_URL") ?? "redis://127.0.0.1:6379";

/** Waits until every partition stream is read and acked (at most a minute). */
export async function waitIdle(prefix: string, log: (s: string) => void) {
  const redis = new Redis(redisUrl());
  const keys = new Keys(prefix);
  try {
    for (const end = Date.now() + 60_000; Date.now() < end;) {
      let backlog = 0;
      for (let p = 0; p < Number(Deno.env.get("PARTITIONS") ?? 16); p++) {
        const groups = await redis.call("XINFO", "GROUPS", keys.partition(p)).catch(
          () => [],
        ) as unknown[][];
        for (const g of groups) {
          const f = Object.fromEntries(
            Array.from({ length: g.length / 2 }, (_, i) => [g[2 * i], g[2 * i + 1]]),
          );
          if (f.name === CONSUMER_GROUP) backlog += Number(f.pending ?? 0) + Number(f.lag ?? 0);
        }
      }
      if (backlog === 0) return;
      log(`waiting for a backlog of ${backlog} entries`);
      await sleep(2000);
    }
  } finally {
    redis.disconnect();
  }
}

export async function dropKeys(prefix: string) {
  const redis = new Redis(redisUrl(), {
    lazyConnect: true,
    maxRetriesPerRequest: 1,
  });
  try {
    await redis.connect();
    let cursor = "0";
    do {
      const [c, keys] = await redis.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 1000);
      cursor = c;
      if (keys.length) await redis.unlink(...keys);
    } while (cursor !== "0");
  } finally {
    redis.disconnect();
  }
}
