/** Pieces of the media benchmark: users, one load-generator run, and cleanup. */
import { Redis } from "ioredis";
import { createDb } from "@im/shared/db";
import { readLines } from "./lines.ts";
import { machineTicks, spawnDeno, stopProcess } from "./procs.ts";
import { Histogram, type HistogramData } from "./stats.ts";

/**
 * The part of load.ts's spec and result this script uses, declared here so it keeps working
 * while the orchestrator's own files are reorganised (fields it does not know are ignored:
 * `device`, `messages`, `historyRate` and `typingRate` are for newer generators).
 */
export interface Conn {
  userId: string;
  partner: string;
  hostname: string;
  port: number;
  token: string;
  device: number;
}
interface LoadResult {
  event: "result";
  sent: number;
  lost: number;
  errorFrames: Record<string, number>;
  windowSec: number;
  ack: HistogramData;
  e2e: HistogramData;
}

/** Users straight into the table: registering through the API would spend argon2 time. */
export async function createUsers(mysqlUrl: string, runId: string, n: number): Promise<string[]> {
  const db = createDb(mysqlUrl);
  try {
    const ids: string[] = [];
    for (let i = 0; i < n; i++) {
      const r = await db.insertInto("users").values({
        username: `m${runId}_${i}`,
        password_hash: "x",
        nickname: `m${i}`,
        created_at: Date.now(),
      }).executeTakeFirstOrThrow();
      ids.push(String(r.insertId));
    }
    return ids;
  } finally {
    await db.destroy();
  }
}

/** One run of the standard load generator (scripts/bench/load.ts); ack and e2e latency. */
export async function messages(
  ctx: { dir: string; env: Record<string, string>; rate: number; durationSec: number },
  conns: Conn[],
  run: number,
) {
  const { dir, env } = ctx;
  const spec = {
    role: "e2e",
    messages: true,
    historyRate: 0,
    typingRate: 0,
    proc: run, // clientMsgIds start with it: each run's are new
    client: "raw",
    conns,
    rate: ctx.rate,
    window: 16,
    size: 100,
    warmupMs: 3000,
    durationMs: ctx.durationSec * 1000,
    drainMs: 3000,
    connectConcurrency: 64,
    heartbeatSec: 25,
    ackMs: 50,
  };
  const file = `${dir}/load-${crypto.randomUUID()}.json`;
  await Deno.writeTextFile(file, JSON.stringify(spec));
  const p = spawnDeno(
    "load",
    ["run", "-A", new URL("./load.ts", import.meta.url).pathname, file],
    env,
    `${dir}/load.log`,
    {
      stdin: "piped",
      stdout: "piped",
    },
  );
  const writer = p.child.stdin.getWriter();
  let result: LoadResult | null = null;
  const ticks0 = machineTicks();
  for await (const line of readLines(p.child.stdout)) {
    if (!line.startsWith("{")) continue;
    const ev = JSON.parse(line);
    if (ev.event === "ready") await writer.write(new TextEncoder().encode("go\n"));
    if (ev.event === "result") {
      result = ev;
      break;
    }
  }
  const ticks1 = machineTicks();
  await stopProcess(p, 3000);
  if (!result) throw new Error(`load generator failed (${dir}/load.log)`);
  // The whole machine, percent of all cores: far above what this bench uses means neighbours.
  const machineBusyPct = Math.round(
    ((ticks1.busy - ticks0.busy) / Math.max(1, ticks1.total - ticks0.total)) * 100,
  );
  const h = (d: LoadResult["e2e"]) => {
    const x = new Histogram();
    x.merge(d);
    return x.summary();
  };
  return {
    sentPerSec: Math.round(result.sent / result.windowSec),
    lost: result.lost,
    errors: result.errorFrames,
    ackMs: h(result.ack),
    e2eMs: h(result.e2e),
    machineBusyPct,
    loadAvg: Deno.readTextFileSync("/proc/loadavg").split(" ").slice(0, 3).join(" "),
  };
}

export type RunResult = Awaited<ReturnType<typeof messages>>;

export async function dropKeys(prefix: string) {
  const redis = new Redis("redis://127.0.0.1:6379");
  let cursor = "0";
  do {
    const [next, found] = await redis.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 1000);
    if (found.length) await redis.unlink(...found);
    cursor = next;
  } while (cursor !== "0");
  redis.disconnect();
}

/** POSTs a file with curl, chunked (streamed, no Content-Length); throws unless 201/200. */
export async function curlPost(url: string, path: string, token?: string): Promise<void> {
  const out = await new Deno.Command("curl", {
    args: [
      "-s",
      "-X",
      "POST",
      "-o",
      "/dev/null",
      "-w",
      "%{http_code}",
      "-H",
      "Transfer-Encoding: chunked",
      ...(token ? ["-H", `Authorization: Bearer ${token}`] : []),
      "-T",
      path,
      url,
    ],
  }).output();
  const code = new TextDecoder().decode(out.stdout);
  if (code !== "201" && code !== "200") throw new Error(`upload answered ${code}`);
}

/**
 * The control: a bare Deno HTTP server in this process writing a streamed body to disk, fed by
 * the same client as the gateway. What the gateway adds is the difference.
 */
export async function bareServerMiBps(
  dir: string,
  path: string,
  size: number,
  count: number,
): Promise<number> {
  const srv = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const f = await Deno.open(`${dir}/bare-${crypto.randomUUID()}`, {
      write: true,
      createNew: true,
    });
    await req.body!.pipeTo(f.writable);
    return new Response("ok");
  });
  const t0 = performance.now();
  for (let i = 0; i < count; i++) await curlPost(`http://127.0.0.1:${srv.addr.port}/`, path);
  const sec = (performance.now() - t0) / 1000;
  await srv.shutdown();
  for (const e of Deno.readDirSync(dir)) {
    if (e.name.startsWith("bare-")) Deno.removeSync(`${dir}/${e.name}`);
  }
  return Math.round(((size * count) / (1024 * 1024) / sec) * 10) / 10;
}
