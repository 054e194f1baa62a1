/**
 * Reading and replaying the dead-letter stream (written by workers/consumer/dead_letters.ts):
 * `deno task dlq` and the admin API share these. Replay puts an entry's envelope back on the
 * stream it died on and removes it from the dead-letter stream, in one MULTI; handlers are
 * idempotent, so a replay repeated is harmless.
 */
import { ENVELOPE_FIELD } from "../wire/envelope.ts";
import type { Keys } from "../keys.ts";
import { isCluster, type Redis } from "./connect.ts";

export interface DeadLetter {
  id: string;
  /** The stream it died on (empty for entries written before the field existed). */
  stream: string;
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
  const envelope = f.get(ENVELOPE_FIELD) ?? null;
  let type: string | null = null;
  try {
    type = envelope ? JSON.parse(envelope)?.frame?.type ?? null : null;
  } catch {
    type = null;
  }
  return {
    id,
    stream: f.get("stream") ?? "",
    partition: Number(f.get("partition")),
    entry: f.get("entry") ?? "",
    reason: f.get("reason") ?? "",
    deliveries: Number(f.get("deliveries") ?? 0),
    at: Number(f.get("at") ?? 0),
    type,
    envelope,
  };
}

/** The newest dead letters first. */
export async function listDeadLetters(redis: Redis, keys: Keys, count = 50): Promise<DeadLetter[]> {
  const rows = await redis.xrevrange(keys.deadLetters(), "+", "-", "COUNT", count);
  return rows.map(toDeadLetter);
}

/**
 * Where a dead letter goes back to: its partition's stream, or the read or ephemeral lane's for
 * entries of those lanes (partition -1); never a stream outside this deployment's.
 */
function homeOf(dl: DeadLetter, keys: Keys): string | null {
  if (Number.isInteger(dl.partition) && dl.partition >= 0) return keys.partition(dl.partition);
  if (dl.stream === keys.reads() || dl.stream === keys.ephemeral()) return dl.stream;
  return null;
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
    const home = homeOf(dl, keys);
    if (!dl.envelope || !home) continue;
    if (isCluster(redis)) {
      // The streams live in different Cluster slots, so no MULTI. Re-add first: a crash
      // between the two leaves the letter in place, so an operator may replay it twice (a
      // resent msg.send returns its stored row; check other types before replaying again),
      // but a letter is never lost.
      await redis.xadd(home, "*", ENVELOPE_FIELD, dl.envelope);
      await redis.xdel(keys.deadLetters(), id);
    } else {
      await redis.multi()
        .xadd(home, "*", ENVELOPE_FIELD, dl.envelope)
        .xdel(keys.deadLetters(), id)
        .exec();
    }
    done.push(id);
  }
  return done;
}
