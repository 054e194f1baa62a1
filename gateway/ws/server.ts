/**
 * The gateway's listening server: Deno's `node:http` runs the Hono app (through
 * @hono/node-server) and npm `ws` speaks WebSocket, instead of Deno.serve +
 * Deno.upgradeWebSocket (measured side by side in docs/BENCHMARKS.md, "The WebSocket server"):
 * ws refuses a frame longer than `maxPayload` from its header and fails unmasked frames, where
 * Deno buffers up to 64 MiB first and accepts them, and an idle socket costs a third of the
 * memory. This module owns the raw sockets (request-head timeout, TCP_NODELAY, JSON bodies for
 * errors raised below the app, failing broken connections, shutdown); what an upgrade must pass
 * is decided in upgrade.ts.
 */
import { Buffer } from "node:buffer";
import { createServer, type IncomingMessage, STATUS_CODES } from "node:http";
import type { Socket } from "node:net";
import process from "node:process";
import type { Duplex } from "node:stream";
import { getRequestListener } from "@hono/node-server";
// @ts-types="@types/ws"
import { type WebSocket, WebSocketServer } from "ws";
import type { Logger } from "@im/shared/log";
import { errorBody, ErrorCode } from "@im/protocol";
import { IpSlots } from "./ip_slots.ts";

export type { WebSocket };

/** Handed to the /ws route with an upgrade request: the means to finish the handshake. */
export interface Door {
  /**
   * Completes the handshake (naming `protocol`, if any) and hands the socket to `onSocket`;
   * `onGone` runs once the TCP connection is closed, however that happens.
   */
  accept(protocol: string | null, onSocket: (ws: WebSocket) => void, onGone: () => void): Response;
}

/** The app's `c.env`: the Node request, and on an upgrade request the door. */
export interface ServerEnv {
  incoming: IncomingMessage;
  door?: Door;
}

export interface ServerOptions {
  hostname: string;
  port: number;
  fetch(req: Request, env: ServerEnv): Response | Promise<Response>;
  /** Longest inbound message; a longer frame header fails the connection with 1009. */
  maxPayload: number;
  /** Time allowed for a complete request head; then 408 and close. */
  handshakeTimeoutMs: number;
  /** Connections one address may hold before their first request head (0: no cap). */
  maxPendingPerIp: number;
  log: Logger;
}

export interface RunningServer {
  port: number;
  /** Stops listening and ends every connection still open. */
  shutdown(): Promise<void>;
}

/** After a protocol error, time for ws's close frame to leave before the socket is dropped. */
const FAIL_LINGER_MS = 1000;
/** After a refusal, time for the peer to read the answer and hang up. */
const REFUSE_LINGER_MS = 2000;
/**
 * Listeners that live as long as a socket are defined out here: a closure made inside the upgrade
 * handler would keep the handler's request (headers, token and all) for the connection's life.
 */
const ignore = () => {};
/** Headers of a Response that do not carry over to a hand-written HTTP/1.1 answer. */
const HOP_BY_HOP = new Set(["connection", "content-length", "transfer-encoding", "keep-alive"]);

export function startServer(o: ServerOptions): Promise<RunningServer> {
  const sockets = new Set<Duplex>();
  // Connections that have not sent a whole request head yet, by address: without a cap one
  // address could hold every file descriptor for HANDSHAKE_TIMEOUT_MS at a time.
  const pending = new IpSlots(o.maxPendingPerIp);
  const pendingIp = new WeakMap<Duplex, string>();
  const headDone = (socket: Duplex) => {
    const ip = pendingIp.get(socket);
    if (ip === undefined) return;
    pendingIp.delete(socket);
    pending.release(ip);
  };
  // One listener for every socket (`this` is the socket), so no closure per connection.
  const onSocketClose = function (this: Duplex) {
    sockets.delete(this);
    headDone(this);
  };
  const protocols = new WeakMap<IncomingMessage, string>();
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: o.maxPayload,
    perMessageDeflate: false, // SECURITY.md: compression is not negotiated
    clientTracking: false, // the hub tracks connections
    handleProtocols: (_offered, req) => protocols.get(req) ?? false,
  });
  // Without a listener here ws answers handshakes it cannot parse in text/html.
  wss.on("wsClientError", (err: Error, socket: Duplex) => {
    void refuse(socket, jsonResponse(400, ErrorCode.INVALID_REQUEST, err.message));
  });

  const server = createServer(
    {
      headersTimeout: o.handshakeTimeoutMs,
      requestTimeout: o.handshakeTimeoutMs,
      // How often those timeouts are checked; node's default (30 s) would let them slip.
      connectionsCheckingInterval: Math.max(50, Math.min(1000, o.handshakeTimeoutMs / 4)),
    },
    getRequestListener((req, env) => o.fetch(req, env as ServerEnv), {
      // Not the process's globals: replacing Request/Response would break every Deno API that
      // wants the real ones (Deno.serve in the same process, fetch's callers).
      overrideGlobalObjects: false,
    }),
  );

  server.on("connection", (socket: Socket) => {
    socket.setNoDelay(true); // a small frame after another must not wait for a delayed ACK
    sockets.add(socket);
    socket.once("close", onSocketClose);
    const ip = remoteOf(socket);
    if (!pending.take(ip)) {
      o.log.info("connection refused", { reason: "pending heads", remote: ip });
      const msg = "too many unfinished requests from this address";
      return void refuse(socket, jsonResponse(429, ErrorCode.TOO_MANY_CONNECTIONS_PER_IP, msg));
    }
    pendingIp.set(socket, ip);
  });
  server.on("request", (req: IncomingMessage) => headDone(req.socket));
  // Parse errors and head timeouts: answered in our envelope instead of node's bare status.
  server.on("clientError", (err: Error & { code?: string }, socket: Duplex) => {
    if (err.code === "ECONNRESET" || !socket.writable) return void socket.destroy();
    const [status, code] = err.code === "ERR_HTTP_REQUEST_TIMEOUT"
      ? [408, ErrorCode.REQUEST_TIMEOUT]
      : err.code === "HPE_HEADER_OVERFLOW"
      ? [431, ErrorCode.INVALID_REQUEST]
      : [400, ErrorCode.INVALID_REQUEST];
    const message = status === 408 ? "request head not received in time" : "malformed request";
    o.log.info("request refused", { status, reason: err.code, remote: remoteOf(socket) });
    void refuse(socket, jsonResponse(status, code, message));
  });

  server.on("upgrade", async (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    headDone(socket);
    socket.on("error", ignore); // a reset mid-handshake is the peer's business
    let accepted = false;
    const door: Door = {
      accept(protocol, onSocket, onGone) {
        accepted = true;
        if (socket.destroyed) {
          onGone();
          return new Response(null);
        }
        socket.once("close", onGone);
        if (protocol) protocols.set(req, protocol);
        wss.handleUpgrade(req, socket, head, (ws) => {
          failFast(ws, socket);
          onSocket(ws);
          // Deno's server sockets fire `open` after the upgrade; a ws one is open already.
          ws.emit("open");
        });
        return new Response(null);
      },
    };
    let res: Response;
    try {
      res = await o.fetch(toRequest(req), { incoming: req, door });
    } catch (err) {
      // The name only: a message may quote the URL, and a query string may carry a token.
      o.log.warn("upgrade request failed", {
        error: (err as Error)?.name,
        remote: remoteOf(socket),
      });
      res = jsonResponse(400, ErrorCode.INVALID_REQUEST, "malformed request");
    }
    if (!accepted) await refuse(socket, res);
  });

  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(o.port, o.hostname, () => {
      server.off("error", reject);
      const addr = server.address();
      resolve({
        port: typeof addr === "object" && addr ? addr.port : o.port,
        async shutdown() {
          const closed = new Promise<void>((r) => server.close(() => r()));
          for (const s of sockets) s.destroy();
          await Promise.race([closed, new Promise((r) => setTimeout(r, 2000))]);
        },
      });
    });
  });
}

const remoteOf = (socket: Duplex) => (socket as Socket).remoteAddress ?? "unknown";

/**
 * ws has queued a close frame for a protocol error (1002, 1007, 1009) and would go on reading
 * and dropping input, up to a whole oversized payload: stop reading instead, and drop the socket
 * once the close frame has had time to leave.
 */
function failFast(ws: WebSocket, socket: Duplex) {
  let timer: ReturnType<typeof setTimeout> | undefined;
  ws.on("error", () => {
    process.nextTick(() => socket.pause()); // after ws's own resume, queued the same way
    timer ??= setTimeout(() => ws.terminate(), FAIL_LINGER_MS);
  });
  ws.once("close", () => clearTimeout(timer));
}

export function jsonResponse(status: number, code: ErrorCode, message: string): Response {
  return Response.json({ error: errorBody(code, message) }, { status });
}

/** The WHATWG request the app sees for an upgrade (node hands upgrades over before the app). */
function toRequest(req: IncomingMessage): Request {
  const headers = new Headers();
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    headers.append(req.rawHeaders[i], req.rawHeaders[i + 1]);
  }
  const url = new URL(req.url ?? "/", `http://${req.headers.host || "localhost"}`);
  return new Request(url, { method: req.method, headers });
}

/**
 * Writes `res` as the whole HTTP answer and ends the connection. Input is read and dropped until
 * the peer hangs up (or a short linger ends): closing a socket with unread input makes the kernel
 * send a reset, which can destroy the answer before the peer reads it.
 */
async function refuse(socket: Duplex, res: Response): Promise<void> {
  const body = Buffer.from(await res.arrayBuffer());
  if (socket.destroyed) return;
  const lines = [`HTTP/1.1 ${res.status} ${STATUS_CODES[res.status] ?? ""}`];
  res.headers.forEach((v, k) => {
    if (!HOP_BY_HOP.has(k)) lines.push(`${k}: ${v}`);
  });
  lines.push(`content-length: ${body.length}`, "connection: close", "", "");
  socket.on("error", ignore);
  socket.resume();
  socket.end(Buffer.concat([Buffer.from(lines.join("\r\n")), body]));
  const timer = setTimeout(() => socket.destroy(), REFUSE_LINGER_MS);
  socket.once("close", () => clearTimeout(timer));
}
