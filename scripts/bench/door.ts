/**
 * The door probe (issue 9, items 7-10): starts one gateway process from a checkout (default this
 * one; `--root DIR` runs an older build the same way) and reports how its WebSocket door behaves:
 * handshake conformance, unmasked frames, a 24 MiB frame header, a flood in one write,
 * connections from one address, half-sent request heads, TCP_NODELAY, and the gateway's RSS
 * while 8 connections each send a 24 MiB frame.
 *
 *   deno task bench:door [--root DIR] [--out FILE] [--only rtt]
 *
 * Needs Redis only: the WebSocket path never touches MySQL (its URL names a database that is
 * never created). Everything runs on 127.0.0.1; the gateway is stopped and its keys removed.
 */
import { Redis } from "ioredis";
import { signAccessToken } from "../../gateway/auth/tokens.ts";
import { clientFrame, RawClient, upgradeRequest } from "../../gateway/ws/raw_client.ts";
import { freePort, spawnDeno, stopProcess, waitReady } from "./procs.ts";

const args = Object.fromEntries(
  Deno.args.flatMap((a, i, all) => a.startsWith("--") ? [[a.slice(2), all[i + 1] ?? ""]] : []),
);
const root = (args.root ?? new URL("../../", import.meta.url).pathname).replace(/\/?$/, "/");
const runId = crypto.getRandomValues(new Uint8Array(4)).toHex();
const prefix = `benchdoor${runId}:`;
const secret = crypto.getRandomValues(new Uint8Array(32)).toHex();
const redisUrl = Deno.env.get("REDIS_URL") ?? "redis://127.0.0.1:6379";
const port = await freePort();
const dir = await Deno.makeTempDir({ prefix: "im-door-" });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const rssMiB = (pid: number) =>
  Number(/VmRSS:\s+(\d+)/.exec(Deno.readTextFileSync(`/proc/${pid}/status`))?.[1] ?? 0) / 1024;

const gw = spawnDeno("gateway", ["run", "-A", `${root}gateway/main.ts`], {
  ...Deno.env.toObject(),
  REDIS_URL: redisUrl,
  MYSQL_URL: `mysql://root@127.0.0.1:3306/benchdoor_${runId}`,
  KEY_PREFIX: prefix,
  JWT_SECRET: secret,
  HOST: "127.0.0.1",
  PORT: String(port),
  LOG_LEVEL: "error",
  WEB_ROOT: "",
  // One user, many devices: the per-user device cap is not what is probed.
  MAX_DEVICES_PER_USER: "1000000",
}, `${dir}/gateway.log`);
const pid = gw.pid;
// `sh -c ... exec deno`: the pid is deno's once exec has run; wait for it to listen.
await waitReady(`http://127.0.0.1:${port}/healthz`, gw);

let device = 0;
const token = async () =>
  (await signAccessToken(secret, {
    jwtIssuer: "im",
    jwtAudience: "im-clients",
    accessTtlSec: 3600,
  }, {
    userId: "1",
    deviceId: `probe${device++}`,
    sessionId: crypto.getRandomValues(new Uint8Array(16)).toHex(),
  })).token;

async function answer(headers: Record<string, string | null>) {
  const c = await RawClient.connect(port);
  await c.write(upgradeRequest({ authorization: `Bearer ${await token()}`, ...headers }));
  const r = await c.response(3000).catch((e) => ({
    status: 0,
    headers: new Headers(),
    body: `${e}`,
  }));
  c.close();
  const json = (() => {
    try {
      return JSON.parse(r.body)?.error?.code !== undefined;
    } catch {
      return false;
    }
  })();
  const version = r.headers.get("sec-websocket-version");
  return `${r.status}${json ? " JSON" : r.status === 101 ? "" : " not JSON"}${
    version ? ` (Sec-WebSocket-Version: ${version})` : ""
  }`;
}

async function opened(): Promise<RawClient> {
  const c = await RawClient.connect(port);
  await c.write(upgradeRequest({ authorization: `Bearer ${await token()}` }));
  const r = await c.response();
  if (r.status !== 101) throw new Error(`upgrade refused: ${r.status} ${r.body}`);
  await c.frame(); // hello
  return c;
}

async function closeAfter(frame: Uint8Array, ms: number): Promise<string> {
  const c = await opened();
  await c.write(frame);
  const { frames, code } = await c.untilClose(ms);
  c.close();
  return code === null
    ? `no close within ${ms} ms (${frames.length} frames back)`
    : `close ${code}`;
}

async function flood(): Promise<string> {
  const c = await opened();
  const pings = Array.from(
    { length: 400 },
    (_, i) => clientFrame(1, `{"type":"ping","id":"${i}"}`),
  );
  const all = new Uint8Array(pings.reduce((n, p) => n + p.length, 0));
  pings.reduce((off, p) => (all.set(p, off), off + p.length), 0);
  await c.write(all);
  const { frames, code } = await c.untilClose(10_000);
  c.close();
  const parsed = frames.map((f) => JSON.parse(f.text));
  const pongs = parsed.filter((f) => f.type === "pong").length;
  const errors = parsed.filter((f) => f.type === "error").length;
  return `${pongs} pongs, ${errors} errors, ${code === null ? "no close frame" : `close ${code}`}`;
}

async function perIp(n: number): Promise<string> {
  const t0 = performance.now();
  const held: RawClient[] = [];
  const statuses: Record<number, number> = {};
  for (let i = 0; i < n; i += 50) {
    await Promise.all(Array.from({ length: Math.min(50, n - i) }, async () => {
      const c = await RawClient.connect(port);
      await c.write(upgradeRequest({ authorization: `Bearer ${await token()}` }));
      const r = await c.response().catch(() => ({ status: 0 }));
      statuses[r.status] = (statuses[r.status] ?? 0) + 1;
      if (r.status === 101) held.push(c);
      else c.close();
    }));
  }
  const sec = (performance.now() - t0) / 1000;
  for (const c of held) c.close();
  const parts = Object.entries(statuses).map(([s, k]) => `${k} × ${s}`).join(", ");
  return `${parts} in ${sec.toFixed(1)} s`;
}

async function slowHeads(n: number, ms: number): Promise<string> {
  const t0 = Date.now();
  const ends = await Promise.all(Array.from({ length: n }, async () => {
    const c = await RawClient.connect(port);
    await c.write("GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n");
    const ended = await c.ended(ms);
    c.close();
    return ended ? Date.now() - t0 : null;
  }));
  const closed = ends.filter((e) => e !== null) as number[];
  return `${closed.length} of ${n} closed by the server within ${ms / 1000} s` +
    (closed.length ? ` (last after ${(Math.max(...closed) / 1000).toFixed(1)} s)` : "");
}

/** Round trips of `ping` through the gateway's WebSocket path alone (no Redis, no worker). */
async function pingRtt(conns: number, perSec: number, secs: number): Promise<string> {
  const socks = await Promise.all(Array.from({ length: conns }, () => opened()));
  const rtts: number[] = [];
  const end = Date.now() + secs * 1000;
  await Promise.all(socks.map(async (c, k) => {
    await sleep((k * 1000) / perSec / conns);
    while (Date.now() < end) {
      const t0 = performance.now();
      await c.write(clientFrame(1, '{"type":"ping","id":"r"}'));
      if (!(await c.frame(2000))) break;
      rtts.push(performance.now() - t0);
      await sleep(Math.max(0, (1000 * conns) / perSec - (performance.now() - t0)));
    }
    c.close();
  }));
  rtts.sort((a, b) => a - b);
  const q = (p: number) => rtts[Math.min(rtts.length - 1, Math.floor(p * rtts.length))].toFixed(2);
  return `${rtts.length} round trips: p50 ${q(0.5)} p99 ${q(0.99)} max ${q(1)} ms`;
}

async function noDelay(): Promise<string> {
  const strace = new Deno.Command("strace", {
    args: ["-f", "-qq", "-e", "trace=setsockopt", "-p", String(pid)],
    stdout: "null",
    stderr: "piped",
  });
  let child;
  try {
    child = strace.spawn();
  } catch {
    return "not checked (no strace)";
  }
  await sleep(500);
  (await opened()).close();
  await sleep(300);
  child.kill("SIGINT");
  const out = new TextDecoder().decode((await child.output()).stderr);
  return /TCP_NODELAY, \[1\]/.test(out) ? "set on the accepted socket" : `not seen: ${out.trim()}`;
}

async function bigFrames(conns: number, size: number): Promise<string> {
  const base = rssMiB(pid);
  let peak = base;
  const timer = setInterval(() => peak = Math.max(peak, rssMiB(pid)), 50);
  const sent = await Promise.all(Array.from({ length: conns }, async () => {
    const c = await opened();
    const header = clientFrame(1, new Uint8Array(0), { announce: size }).subarray(0, 14);
    const chunk = new Uint8Array(1 << 20).fill(0x61);
    let n = 0;
    try {
      await c.write(header);
      while (n < size) {
        const w = c.write(chunk.subarray(0, Math.min(chunk.length, size - n)));
        // A server that stopped reading leaves the write blocked: give up after 3 s.
        if (await Promise.race([w.then(() => true), sleep(3000).then(() => false)]) === false) {
          break;
        }
        n += Math.min(chunk.length, size - n);
      }
    } catch { /* the server dropped the connection */ }
    const { code } = await c.untilClose(1000);
    c.close();
    return { mib: n / (1 << 20), code };
  }));
  await sleep(500);
  clearInterval(timer);
  const codes = [...new Set(sent.map((s) => s.code ?? "none"))].join("/");
  const mib = sent.reduce((a, s) => a + s.mib, 0);
  return `RSS ${base.toFixed(0)} → peak ${peak.toFixed(0)} MiB (+${(peak - base).toFixed(0)}); ` +
    `${mib.toFixed(0)} MiB written before the server stopped reading; close ${codes}`;
}

const results: Record<string, string> = {};
const run = async (name: string, f: () => Promise<string>) => {
  results[name] = await f().catch((e) => `failed: ${e}`);
  console.log(`${name.padEnd(40)} ${results[name]}`);
};
class Done extends Error {}
try {
  console.log(`door probe of ${root} (gateway pid ${pid}, port ${port})`);
  if (args.only === "rtt") {
    await run("ping round trip, 10 conns × 50/s, 10 s", () => pingRtt(10, 500, 10));
    throw new Done();
  }
  await run("no Sec-WebSocket-Key", () => answer({ "sec-websocket-key": null }));
  await run("invalid Sec-WebSocket-Key", () => answer({ "sec-websocket-key": "abc" }));
  await run("Sec-WebSocket-Version: 8", () => answer({ "sec-websocket-version": "8" }));
  await run(
    "unmasked frame",
    () => closeAfter(clientFrame(1, '{"type":"ping"}', { mask: false }), 2000),
  );
  await run(
    "24 MiB frame header, no payload",
    () =>
      closeAfter(clientFrame(1, new Uint8Array(0), { announce: 24 << 20 }).subarray(0, 14), 2000),
  );
  await run("400 pings in one write", flood);
  await run("2,000 upgrades from one address", () => perIp(2000));
  await run("200 half-sent request heads", () => slowHeads(200, 15_000));
  await run("TCP_NODELAY", noDelay);
  await run("ping round trip, 10 conns × 50/s, 10 s", () => pingRtt(10, 500, 10));
  await run("8 connections × one 24 MiB frame", () => bigFrames(8, 24 << 20));
} catch (e) {
  if (!(e instanceof Done)) throw e;
} finally {
  if (args.out) Deno.writeTextFileSync(args.out, JSON.stringify({ root, results }, null, 2) + "\n");
  await stopProcess(gw, 5000);
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  let cursor = "0";
  do {
    const [c, keys] = await redis.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 1000);
    cursor = c;
    if (keys.length) await redis.unlink(...keys);
  } while (cursor !== "0");
  redis.disconnect();
}
Deno.exit(0);
