/**
 * The WebSocket servers alone, without the gateway's app: what each costs per idle connection,
 * per echoed message, and under 8 connections each sending a 24 MiB frame.
 *
 *   deno run -A scripts/bench/bare.ts --server deno|ws [--conns 10000] [--echo-sec 8]
 *
 * `deno`: Deno.serve + Deno.upgradeWebSocket; `ws`: node:http + npm ws (maxPayload 64 KiB), as
 * the gateway runs it. The server runs as a child process (`--serve`); this process is the client.
 */
import { createServer } from "node:http";
import { WebSocketServer } from "ws";
import { RawClient, upgradeRequest } from "../../gateway/ws/raw_client.ts";
import { freePort } from "./procs.ts";
import { RawWebSocket } from "./ws_client.ts";

const arg = (name: string, def: string) => {
  const i = Deno.args.indexOf(`--${name}`);
  return i >= 0 ? Deno.args[i + 1] : def;
};
const kind = arg("server", "ws");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function serve(port: number) {
  if (kind === "deno") {
    Deno.serve({ port, hostname: "127.0.0.1", onListen: () => console.log("ready") }, (req) => {
      const { socket, response } = Deno.upgradeWebSocket(req);
      socket.onmessage = (e) => socket.send(typeof e.data === "string" ? e.data : "binary");
      return response;
    });
    return;
  }
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: 65536,
    perMessageDeflate: false,
    clientTracking: false,
  });
  const server = createServer((_req, res) => res.end());
  server.on("upgrade", (req, socket, head) =>
    wss.handleUpgrade(req, socket, head, (ws) => {
      ws.on("message", (d: Uint8Array, binary: boolean) => ws.send(binary ? "binary" : `${d}`));
      ws.on("error", () => {});
    }));
  server.listen(port, "127.0.0.1", () => console.log("ready"));
}

const proc = (pid: number) => {
  const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const rss = Number(/VmRSS:\s+(\d+)/.exec(Deno.readTextFileSync(`/proc/${pid}/status`))![1]);
  return { ticks: Number(f[11]) + Number(f[12]), rssKiB: rss };
};

async function measure() {
  const port = await freePort();
  const conns = Number(arg("conns", "10000"));
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      new URL(import.meta.url).pathname,
      "--serve",
      String(port),
      "--server",
      kind,
    ],
    stdout: "piped",
  }).spawn();
  const reader = child.stdout.getReader();
  await reader.read(); // "ready"
  const pid = child.pid;
  const connect = (onText: (t: string) => void = () => {}) =>
    RawWebSocket.connect({
      hostname: "127.0.0.1",
      port,
      path: "/",
      token: "-",
      readBufferBytes: 2048,
      onText,
      onClose() {},
    });
  try {
    const base = proc(pid).rssKiB;
    const idle: RawWebSocket[] = [];
    for (let i = 0; i < conns; i += 100) {
      idle.push(
        ...await Promise.all(Array.from({ length: Math.min(100, conns - i) }, () => connect())),
      );
    }
    await sleep(15_000);
    const held = proc(pid).rssKiB;
    for (const s of idle) s.close();
    await sleep(3000);

    // Echo: 100 connections, 16 messages in flight each, 100-byte bodies.
    let echoed = 0, running = true;
    const body = JSON.stringify({ type: "msg.send", data: { body: "x".repeat(100) } });
    const socks: RawWebSocket[] = [];
    for (let i = 0; i < 100; i++) {
      const s: RawWebSocket = await connect(() => {
        echoed++;
        if (running) s.sendText(body);
      });
      socks.push(s);
    }
    for (const s of socks) for (let k = 0; k < 16; k++) s.sendText(body);
    await sleep(2000);
    const [n0, t0, w0] = [echoed, proc(pid).ticks, performance.now()];
    await sleep(Number(arg("echo-sec", "8")) * 1000);
    const [n1, t1, w1] = [echoed, proc(pid).ticks, performance.now()];
    running = false;
    for (const s of socks) s.close();
    const secs = (w1 - w0) / 1000;

    // 8 connections, each announcing and sending one 24 MiB frame; writes give up after 3 s.
    await sleep(2000);
    const before = proc(pid).rssKiB;
    let peak = before;
    const timer = setInterval(() => peak = Math.max(peak, proc(pid).rssKiB), 50);
    await Promise.all(Array.from({ length: 8 }, async () => {
      const c = await RawClient.connect(port);
      await c.write(upgradeRequest({}, "/"));
      await c.response();
      const hdr = new Uint8Array(14);
      hdr.set([0x81, 0x80 | 127]);
      new DataView(hdr.buffer).setBigUint64(2, BigInt(24 << 20));
      const chunk = new Uint8Array(1 << 20);
      try {
        await c.write(hdr);
        for (let sent = 0; sent < 24 << 20; sent += chunk.length) {
          if (!await Promise.race([c.write(chunk).then(() => true), sleep(3000)])) break;
        }
      } catch { /* dropped by the server */ }
      await sleep(500);
      c.close();
    }));
    clearInterval(timer);
    console.log(JSON.stringify({
      server: kind,
      conns,
      rssPerIdleConnKiB: Math.round(((held - base) / conns) * 10) / 10,
      echoMsgsPerSec: Math.round((n1 - n0) / secs),
      cpuMicrosPerMsg: Math.round((((t1 - t0) / 100) * 1e6) / (n1 - n0) * 10) / 10,
      bigFramesRssGrowthMiB: Math.round((peak - before) / 1024),
    }));
  } finally {
    child.kill("SIGTERM");
    await child.status;
  }
}

if (Deno.args.includes("--serve")) serve(Number(arg("serve", "0")));
else await measure().then(() => Deno.exit(0));
