/**
 * What a round trip to the stores costs when the processes on both ends have been idle, against
 * back to back: `n` MariaDB `SELECT 1` (mysql2) and `n` Redis `PING` (ioredis) after each gap.
 * At everyday load every hop of a message starts from idle (at 100 msgs/s a process waits ~10 ms
 * between frames), so this, times the hops a message crosses, is a floor of its latency that no
 * change inside one process removes. On a VM it is mostly the wake-up of an idle vCPU.
 *
 *   deno run -A scripts/bench/wakeup.ts [--n 300]
 */
import mysql from "mysql2/promise";
import { createRedis } from "@im/shared/redis";
import { loadConfig } from "@im/shared/config";
import { splitMysqlUrl } from "@im/shared/db";

export interface WakeupRow {
  gapMs: number;
  mysqlP50Ms: number;
  mysqlP90Ms: number;
  redisP50Ms: number;
  redisP90Ms: number;
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function wakeup(n: number, gaps = [0, 1, 10]): Promise<WakeupRow[]> {
  const config = loadConfig();
  const { server } = splitMysqlUrl(config.mysqlUrl);
  const db = await mysql.createConnection(server);
  const redis = createRedis(config.redisUrl, "wakeup");
  const q = (xs: number[], p: number) => {
    const s = [...xs].sort((a, b) => a - b);
    return Math.round(s[Math.floor(p * (s.length - 1))] * 1000) / 1000;
  };
  try {
    const out: WakeupRow[] = [];
    for (const gapMs of gaps) {
      const m: number[] = [], r: number[] = [];
      for (let i = 0; i < n; i++) {
        if (gapMs) await pause(gapMs);
        let t = performance.now();
        await db.query("SELECT 1");
        m.push(performance.now() - t);
        if (gapMs) await pause(gapMs);
        t = performance.now();
        await redis.ping();
        r.push(performance.now() - t);
      }
      out.push({
        gapMs,
        mysqlP50Ms: q(m, 0.5),
        mysqlP90Ms: q(m, 0.9),
        redisP50Ms: q(r, 0.5),
        redisP90Ms: q(r, 0.9),
      });
    }
    return out;
  } finally {
    await db.end();
    redis.disconnect();
  }
}

if (import.meta.main) {
  const at = Deno.args.indexOf("--n");
  const n = at >= 0 ? Number(Deno.args[at + 1]) : 300;
  console.log("idle gap   MariaDB SELECT 1 p50 / p90   Redis PING p50 / p90   (ms)");
  for (const w of await wakeup(n)) {
    console.log(
      `${String(w.gapMs).padStart(5)} ms   ${w.mysqlP50Ms} / ${w.mysqlP90Ms}`.padEnd(40) +
        `${w.redisP50Ms} / ${w.redisP90Ms}`,
    );
  }
}
