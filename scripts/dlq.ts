/**
 * Dead-letter inspection and replay.
 *   deno task dlq list [--count N]        the newest dead letters: id, partition, reason, frame type
 *   deno task dlq replay <dlq-id>...       puts each entry's envelope back on its partition stream
 *                                          and removes it from the dead-letter stream
 * Replay is safe to repeat: handlers are idempotent (a message resend returns its original ack).
 */
import { ConfigError, loadConfig } from "@im/shared/config";
import { Keys } from "@im/shared/keys";
import { createRedis, type Redis } from "@im/shared/redis";

export interface DeadLetter {
  id: string;
  partition: number;
  entry: string;
  reason: string;
  deliveries: number;
  at: number;
  type: string | null;
  envelope: string | null;
}

function toDeadLetter([id, fields]: [string, string[]]): DeadLetter {
  const f = new Map<string, string>();
  for (let i = 0; i + 1 < fields.length; i += 2) f.set(fields[i], fields[i + 1]);
  const envelope = f.get("e") ?? null;
  let type: string | null = null;
  try {
    type = envelope ? JSON.parse(envelope)?.frame?.type ?? null : null;
  } catch {
    type = null;
  }
  return {
    id,
    partition: Number(f.get("partition")),
    entry: f.get("entry") ?? "",
    reason: f.get("reason") ?? "",
    deliveries: Number(f.get("deliveries") ?? 0),
    at: Number(f.get("at") ?? 0),
    type,
    envelope,
  };
}

export async function listDeadLetters(redis: Redis, keys: Keys, count = 50): Promise<DeadLetter[]> {
  const rows = await redis.xrevrange(keys.deadLetters(), "+", "-", "COUNT", count);
  return rows.map(toDeadLetter);
}

/** Replays the named dead letters; returns the ids replayed (undecodable ones are left). */
export async function replayDeadLetters(
  redis: Redis,
  keys: Keys,
  ids: string[],
): Promise<string[]> {
  const done: string[] = [];
  for (const id of ids) {
    const [row] = await redis.xrange(keys.deadLetters(), id, id);
    if (!row) continue;
    const dl = toDeadLetter(row);
    if (!dl.envelope || !Number.isInteger(dl.partition)) continue;
    await redis.multi()
      .xadd(keys.partition(dl.partition), "*", "e", dl.envelope)
      .xdel(keys.deadLetters(), id)
      .exec();
    done.push(id);
  }
  return done;
}

if (import.meta.main) {
  try {
    const config = loadConfig();
    const keys = new Keys(config.keyPrefix);
    const redis = createRedis(config.redisUrl, "dlq");
    const [cmd, ...rest] = Deno.args;
    if (cmd === "list") {
      const i = rest.indexOf("--count");
      const rows = await listDeadLetters(redis, keys, i >= 0 ? Number(rest[i + 1]) : 50);
      for (const r of rows) {
        console.log(
          `${r.id}\tpartition=${r.partition}\ttype=${r.type}\tdeliveries=${r.deliveries}\t${
            new Date(r.at).toISOString()
          }\t${r.reason}`,
        );
      }
      if (rows.length === 0) console.log("no dead letters");
    } else if (cmd === "replay" && rest.length) {
      const done = await replayDeadLetters(redis, keys, rest);
      console.log(`replayed ${done.length} of ${rest.length}: ${done.join(" ")}`);
    } else {
      console.error("usage: deno task dlq list [--count N] | deno task dlq replay <id>...");
      Deno.exitCode = 2;
    }
    redis.disconnect();
  } catch (err) {
    console.error(err instanceof ConfigError ? err.message : err);
    Deno.exit(1);
  }
}
