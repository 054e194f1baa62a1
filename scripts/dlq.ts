/**
 * Dead-letter inspection and replay.
 *   deno task dlq list [--count N]        the newest dead letters: id, partition, reason, frame type
 *   deno task dlq replay <dlq-id>...       puts each entry's envelope back on the stream it died
 *                                          on and removes it from the dead-letter stream
 * Replay is safe to repeat: handlers are idempotent (a message resend returns its original ack).
 */
import { ConfigError, loadConfig } from "@im/shared/config";
import { Keys } from "@im/shared/keys";
import { createRedis, listDeadLetters, replayDeadLetters } from "@im/shared/redis";

// The admin API reads and replays through the same functions (shared/redis/dead_letters.ts).
export { type DeadLetter, listDeadLetters, replayDeadLetters } from "@im/shared/redis";

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
