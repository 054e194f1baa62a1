/**
 * Media benchmarks: upload throughput (1 MiB and 50 MiB files) with the gateway's RSS sampled
 * throughout, thumbnail time, and message latency at a fixed rate with and without media
 * traffic on the same gateway. Starts its own system (migrate, one gateway, one worker) on its
 * own database, key prefix and MEDIA_DIR (or its own s3rver with --s3) and tears it all down.
 *
 *   deno run -A scripts/bench/media.ts [--s3] [--rate 1000] [--duration 20] [--pairs 50]
 *     [--rounds 3] [--media-rate 10]
 *
 * See docs/BENCHMARKS.md ("Media") for the figures and the conditions they were taken in.
 */
import { parseArgs } from "node:util";
import { dropDatabase } from "@im/shared/db";
import { signAccessToken } from "../../gateway/auth/tokens.ts";
import { inspect, thumbnail } from "../../gateway/media/images.ts";
import { S3rverProcess } from "../../gateway/media/testing/s3rver.ts";
import {
  bareServerMiBps,
  createUsers,
  curlPost,
  dropKeys,
  messages,
  type RunResult,
} from "./media_runs.ts";
import {
  freePort,
  machineInfo,
  OPEN_LIMITS,
  snapshot,
  spawnDeno,
  type Spawned,
  stopProcess,
  waitReady,
} from "./procs.ts";
import { Histogram } from "./stats.ts";
import sharp from "sharp";

const { values: args } = parseArgs({
  args: Deno.args,
  options: {
    s3: { type: "boolean", default: false },
    rate: { type: "string", default: "1000" },
    duration: { type: "string", default: "20" },
    pairs: { type: "string", default: "50" },
    // MiB/s of 1 MiB uploads beside the messages (two uploaders); 0 = as fast as they go.
    "media-rate": { type: "string", default: "10" },
    rounds: { type: "string", default: "3" },
    out: { type: "string", default: "" },
  },
});
const RATE = Number(args.rate), DURATION = Number(args.duration), PAIRS = Number(args.pairs);
const MEDIA_RATE = Number(args["media-rate"]);
const ROUNDS = Number(args.rounds);
const MiB = 1024 * 1024;
const ROOT = new URL("../../", import.meta.url).pathname;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = (m: string) => console.error(`bench[media]: ${m}`);

const runId = crypto.getRandomValues(new Uint8Array(4)).toHex();
const mysqlUrl = `mysql://root@127.0.0.1:3306/bench_media_${runId}`;
const prefix = `benchm${runId}:`;
const dir = await Deno.makeTempDir({ prefix: "im-bench-media-" });
const mediaDir = `${dir}/media`;
const jwtSecret = crypto.getRandomValues(new Uint8Array(32)).toHex();
const s3 = args.s3 ? await S3rverProcess.start() : null;
const env: Record<string, string> = {
  ...Deno.env.toObject(),
  REDIS_URL: "redis://127.0.0.1:6379",
  MYSQL_URL: mysqlUrl,
  KEY_PREFIX: prefix,
  JWT_SECRET: jwtSecret,
  LOG_LEVEL: "warn",
  MEDIA_DIR: mediaDir,
  MEDIA_MAX_FILE_BYTES: String(300 * MiB),
  ...OPEN_LIMITS,
  MAX_DEVICES_PER_USER: "1000000",
  ACCESS_TTL_SEC: "86400",
  ...(s3
    ? {
      MEDIA_S3_BUCKET: s3.options.bucket,
      MEDIA_S3_ENDPOINT: s3.options.endpoint!,
      MEDIA_S3_ACCESS_KEY: s3.options.accessKeyId!,
      MEDIA_S3_SECRET_KEY: s3.options.secretAccessKey!,
    }
    : {}),
};
const system: Spawned[] = [];
let failed = false;

try {
  const migrate = spawnDeno(
    "migrate",
    ["run", "-A", `${ROOT}scripts/migrate.ts`],
    env,
    `${dir}/migrate.log`,
  );
  if (!(await migrate.status).success) throw new Error(`migrate failed (${dir}/migrate.log)`);
  const port = await freePort(), workerPort = await freePort();
  const gateway = spawnDeno("gateway", ["run", "-A", `${ROOT}gateway/main.ts`], {
    ...env,
    PORT: String(port),
    HOST: "127.0.0.1",
    GATEWAY_ID: "bench-media-gw",
  }, `${dir}/gateway.log`);
  const worker = spawnDeno("worker", ["run", "-A", `${ROOT}workers/main.ts`], {
    ...env,
    WORKER_PORT: String(workerPort),
  }, `${dir}/worker.log`);
  system.push(gateway, worker);
  await waitReady(`http://127.0.0.1:${port}/readyz`, gateway);
  await waitReady(`http://127.0.0.1:${workerPort}/readyz`, worker);
  await sleep(2000); // partitions leased
  const base = `http://127.0.0.1:${port}`;
  const users = await createUsers(mysqlUrl, runId, 2 + PAIRS * 2);
  const token = async (u: string, d: string) =>
    (await signAccessToken(jwtSecret, {
      jwtIssuer: "im",
      jwtAudience: "im-clients",
      accessTtlSec: 86400,
    }, {
      userId: u,
      deviceId: d,
      sessionId: crypto.getRandomValues(new Uint8Array(16)).toHex(),
    })).token;
  const uploader = { token: await token(users[0], "up"), conv: `d:${users[0]}:${users[1]}` };
  const rss = () => snapshot(gateway.pid)?.rssKiB ?? 0;

  /** Uploads `count` files of `size` one after the other; MiB/s and the gateway's RSS. */
  const uploads = async (size: number, count: number) => {
    const before = rss();
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, rss())), 50);
    const t0 = performance.now();
    for (let i = 0; i < count; i++) await upload(size, "file");
    const sec = (performance.now() - t0) / 1000;
    clearInterval(sampler);
    return {
      sizeMiB: size / MiB,
      count,
      mibPerSec: Math.round((size * count) / MiB / sec * 10) / 10,
      msEach: Math.round((sec * 1000) / count),
      rssBeforeMiB: Math.round(before / 102.4) / 10,
      rssPeakMiB: Math.round(peak / 102.4) / 10,
    };
  };
  // Bodies come from files on disk through curl, streamed chunked (no Content-Length, so the
  // gateway counts and caps while streaming). Deno's own fetch was the bottleneck as a client:
  // a streamed request body of 100 MiB or more drops to a few MiB/s with CPU growing faster
  // than the size (measured against a bare Deno.serve, where curl does ~140 MiB/s).
  const files = new Map<number, string>();
  const fileOf = async (size: number) => {
    if (!files.has(size)) {
      const f = `${dir}/body-${size}`;
      // A 251-byte pattern repeated (copyWithin doubles it: fast even for 200 MiB).
      const b = new Uint8Array(size);
      for (let i = 0; i < Math.min(251, size); i++) b[i] = (i * 31) % 251;
      for (let n = 251; n < size; n *= 2) b.copyWithin(n, 0, Math.min(n, size - n));
      await Deno.writeFile(f, b);
      files.set(size, f);
    }
    return files.get(size)!;
  };
  const upload = async (size: number, kind: "file" | "image", path?: string) => {
    const q = new URLSearchParams({
      conversationId: uploader.conv,
      kind,
      name: `f.${kind === "image" ? "jpg" : "bin"}`,
    });
    await curlPost(`${base}/v1/media?${q}`, path ?? await fileOf(size), uploader.token);
  };

  log("uploads: 1 MiB x 50, 50 MiB x 5, 200 MiB x 1");
  for (const size of [MiB, 50 * MiB, 200 * MiB]) await fileOf(size); // not inside the timings
  await upload(MiB, "file"); // warm up
  const small = await uploads(MiB, 50);
  const large = await uploads(50 * MiB, 5);
  const huge = await uploads(200 * MiB, 1); // RSS must not follow the file's size
  const bare = {
    "1MiB": await bareServerMiBps(dir, await fileOf(MiB), MiB, 50),
    "50MiB": await bareServerMiBps(dir, await fileOf(50 * MiB), 50 * MiB, 5),
    "200MiB": await bareServerMiBps(dir, await fileOf(200 * MiB), 200 * MiB, 1),
  };

  log("thumbnails: a 12 MP JPEG");
  const photo = Uint8Array.from(
    await sharp({
      create: {
        width: 4000,
        height: 3000,
        channels: 3,
        background: "#808080",
        noise: { type: "gaussian", mean: 128, sigma: 40 },
      },
    })
      .jpeg({ quality: 85 }).toBuffer(),
  );
  const path = `${dir}/photo.jpg`;
  await Deno.writeFile(path, photo);
  const thumbMs = new Histogram();
  for (let i = 0; i < 10; i++) {
    const t0 = performance.now();
    await inspect(path, 50_000_000);
    await thumbnail(path, 320, 50_000_000);
    thumbMs.record(performance.now() - t0);
  }
  const imageUploadMs = new Histogram();
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    await upload(photo.length, "image", path);
    imageUploadMs.record(performance.now() - t0);
  }

  log(
    `messages at ${RATE}/s for ${DURATION} s, ${PAIRS} pairs, ${ROUNDS} rounds without and with media`,
  );
  const conns = await Promise.all(
    users.slice(2).map(async (u, i) => ({
      userId: u,
      partner: users[2 + (i ^ 1)],
      hostname: "127.0.0.1",
      port,
      token: await token(u, `b${i}`),
      device: 0,
    })),
  );
  const runCtx = { dir, env, rate: RATE, durationSec: DURATION };
  // Quiet and media runs alternate, so drift of a shared machine hits both alike.
  const rounds: Array<{ quiet: RunResult; withMedia: RunResult & { mediaMiBPerSec: number } }> = [];
  let run = 0;
  for (let r = 0; r < ROUNDS; r++) {
    await sleep(2000);
    const quiet = await messages(runCtx, conns, run++);
    const mediaLoad = { stop: false, bytes: 0 };
    const busyStart = performance.now();
    const busy = messages(runCtx, conns, run++);
    const uploaders = [0, 1].map(async () => {
      // Each uploader starts one 1 MiB upload every 2/MEDIA_RATE seconds (or back to back).
      const every = MEDIA_RATE > 0 ? 2000 / MEDIA_RATE : 0;
      while (!mediaLoad.stop) {
        const t0 = performance.now();
        await upload(MiB, "file");
        mediaLoad.bytes += MiB;
        await sleep(Math.max(0, every - (performance.now() - t0)));
      }
    });
    const withMedia = await busy;
    const busySec = (performance.now() - busyStart) / 1000;
    mediaLoad.stop = true;
    await Promise.all(uploaders);
    const mediaMiBPerSec = Math.round((mediaLoad.bytes / MiB / busySec) * 10) / 10;
    rounds.push({ quiet, withMedia: { ...withMedia, mediaMiBPerSec } });
    log(
      `round ${r + 1}: p99 ${quiet.e2eMs.p99} ms quiet, ${withMedia.e2eMs.p99} ms with ` +
        `${mediaMiBPerSec} MiB/s of uploads (machine ${quiet.machineBusyPct}% / ${withMedia.machineBusyPct}% busy)`,
    );
  }

  const report = {
    schema: "im-bench-media/1",
    at: new Date().toISOString(),
    machine: machineInfo(),
    storage: s3 ? "s3 (s3rver on loopback)" : "local disk",
    mediaRateMiBPerSec: MEDIA_RATE,
    uploads: [small, large, huge],
    /** MiB/s of a bare Deno server writing the same streams to disk, at the same time. */
    bareServerMiBPerSec: bare,
    thumbnail12MpMs: thumbMs.summary(),
    imageUpload12MpMs: imageUploadMs.summary(),
    messages: { rate: RATE, durationSec: DURATION, pairs: PAIRS, rounds },
  };
  const out = args.out || `bench-results/media-${report.at.replace(/[:.]/g, "-")}.json`;
  await Deno.mkdir(new URL(`../../${out}`, import.meta.url).pathname.replace(/[^/]+$/, ""), {
    recursive: true,
  });
  await Deno.writeTextFile(`${ROOT}${out}`, JSON.stringify(report, null, 2));
  console.log(JSON.stringify(report, null, 2));
  log(`report: ${out}`);
} catch (err) {
  failed = true;
  throw err;
} finally {
  await Promise.all(system.map((p) => stopProcess(p)));
  await dropDatabase(mysqlUrl).catch(() => {});
  await dropKeys(prefix).catch(() => {});
  await s3?.stop();
  if (failed) log(`failed: logs kept in ${dir}`);
  else await Deno.remove(dir, { recursive: true }).catch(() => {});
}
