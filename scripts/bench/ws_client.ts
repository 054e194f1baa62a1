/**
 * Load-generator WebSocket clients. Two implementations behind one interface, so their cost can
 * be compared (`--client raw|ws`):
 *
 * - `raw`: a minimal RFC 6455 client over `Deno.connect` with `setNoDelay(true)`. Text frames
 *   only, no extensions; answers pings and closes. It is what the benchmarks use.
 * - `ws`: npm `ws` under Deno's node compatibility; its socket sets `noDelay` itself.
 *
 * Deno's built-in WebSocket client is not offered: it leaves Nagle on, which adds ~40 ms to a
 * small frame that follows another (see docs/BENCHMARKS.md).
 */
import WebSocketNode from "ws";
import { concat, concatAll, frame, indexOfCrlfCrlf, unmask, writeAll } from "./ws_frame.ts";

export type ClientKind = "raw" | "ws";

export interface ClientOptions {
  hostname: string;
  port: number;
  path: string;
  token: string;
  /** Per-connection read buffer; small for idle connections, larger under load. */
  readBufferBytes?: number;
  onText(text: string): void;
  onClose(code: number, reason: string): void;
}

export interface BenchSocket {
  sendText(text: string): void;
  close(code?: number): void;
  readonly open: boolean;
}

export function connectClient(kind: ClientKind, o: ClientOptions): Promise<BenchSocket> {
  return kind === "ws" ? NodeWsSocket.connect(o) : RawWebSocket.connect(o);
}

const GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
const encoder = new TextEncoder();
const decoder = new TextDecoder();

async function acceptKey(key: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-1", encoder.encode(key + GUID));
  return new Uint8Array(digest).toBase64();
}

export class HandshakeError extends Error {}

/** A minimal RFC 6455 client: TCP_NODELAY, masked text frames, ping/pong, close. */
export class RawWebSocket implements BenchSocket {
  #queue: Uint8Array[] = [];
  #writing = false;
  #open = true;
  #closeSent = false;
  #fragments: Uint8Array[] = [];

  private constructor(
    private readonly conn: Deno.TcpConn,
    private readonly o: ClientOptions,
  ) {}

  get open(): boolean {
    return this.#open;
  }

  static async connect(o: ClientOptions): Promise<RawWebSocket> {
    const conn = await Deno.connect({ hostname: o.hostname, port: o.port });
    try {
      conn.setNoDelay(true);
      const key = crypto.getRandomValues(new Uint8Array(16)).toBase64();
      const req = `GET ${o.path} HTTP/1.1\r\nHost: ${o.hostname}:${o.port}\r\n` +
        `Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\n` +
        `Sec-WebSocket-Version: 13\r\nAuthorization: Bearer ${o.token}\r\n\r\n`;
      await writeAll(conn, encoder.encode(req));
      const buf = new Uint8Array(o.readBufferBytes ?? 16384);
      let have: Uint8Array = new Uint8Array(0);
      let end = -1;
      while (end < 0) {
        const n = await conn.read(buf);
        if (n === null) throw new HandshakeError("connection closed during handshake");
        have = concat(have, buf.subarray(0, n));
        end = indexOfCrlfCrlf(have);
        if (end < 0 && have.length > 16384) throw new HandshakeError("handshake too long");
      }
      const head = decoder.decode(have.subarray(0, end));
      const status = head.slice(0, head.indexOf("\r\n"));
      if (!/^HTTP\/1\.1 101 /.test(status)) throw new HandshakeError(`upgrade refused: ${status}`);
      const accept = /\r\nsec-websocket-accept:\s*(\S+)/i.exec(head)?.[1];
      if (accept !== await acceptKey(key)) throw new HandshakeError("bad Sec-WebSocket-Accept");
      const ws = new RawWebSocket(conn, o);
      ws.#readLoop(buf, have.slice(end + 4));
      return ws;
    } catch (err) {
      try {
        conn.close();
      } catch { /* already closed */ }
      throw err;
    }
  }

  sendText(text: string): void {
    if (!this.#open) return;
    this.#enqueue(frame(0x1, encoder.encode(text)));
  }

  close(code = 1000): void {
    if (!this.#open) return;
    this.#sendClose(code);
    // The server answers with its close frame; the read loop then ends the connection.
    setTimeout(() => this.#finish(code, "closed by client"), 2000);
  }

  #sendClose(code: number) {
    if (this.#closeSent) return;
    this.#closeSent = true;
    const p = new Uint8Array(2);
    new DataView(p.buffer).setUint16(0, code);
    this.#enqueue(frame(0x8, p));
  }

  #enqueue(bytes: Uint8Array) {
    this.#queue.push(bytes);
    if (!this.#writing) this.#flush();
  }

  async #flush() {
    this.#writing = true;
    try {
      while (this.#queue.length) {
        const chunk = this.#queue.length === 1 ? this.#queue[0] : concatAll(this.#queue);
        this.#queue = [];
        await writeAll(this.conn, chunk);
      }
    } catch {
      this.#finish(1006, "write failed");
    } finally {
      this.#writing = false;
    }
  }

  async #readLoop(buf: Uint8Array, leftover: Uint8Array) {
    let pending = leftover;
    try {
      if (pending.length) pending = this.#parse(pending);
      for (;;) {
        const n = await this.conn.read(buf);
        if (n === null) break;
        const chunk = buf.subarray(0, n);
        // Copy only when a frame straddles reads; the common case parses the read buffer itself.
        pending = this.#parse(pending.length ? concat(pending, chunk) : chunk).slice();
        if (!this.#open) return;
      }
      this.#finish(1006, "connection closed");
    } catch {
      this.#finish(1006, "read failed");
    }
  }

  /** Parses whole frames from `b` and returns the unconsumed tail (a view into `b`). */
  #parse(b: Uint8Array): Uint8Array {
    let off = 0;
    while (b.length - off >= 2) {
      const b0 = b[off], b1 = b[off + 1];
      let len = b1 & 0x7f;
      let hdr = 2;
      if (len === 126) {
        if (b.length - off < 4) break;
        len = (b[off + 2] << 8) | b[off + 3];
        hdr = 4;
      } else if (len === 127) {
        if (b.length - off < 10) break;
        len = Number(new DataView(b.buffer, b.byteOffset + off + 2, 8).getBigUint64(0));
        hdr = 10;
      }
      if (b1 & 0x80) hdr += 4; // servers must not mask; tolerate it by skipping the key
      if (b.length - off < hdr + len) break;
      const payload = b.subarray(off + hdr, off + hdr + len);
      if (b1 & 0x80) unmask(payload, b.subarray(off + hdr - 4, off + hdr));
      off += hdr + len;
      this.#onFrame(b0 & 0x80, b0 & 0x0f, payload);
      if (!this.#open) return new Uint8Array(0);
    }
    return b.subarray(off);
  }

  #onFrame(fin: number, opcode: number, payload: Uint8Array) {
    switch (opcode) {
      case 0x0:
      case 0x1:
      case 0x2: {
        if (!fin || this.#fragments.length) {
          this.#fragments.push(payload.slice());
          if (!fin) return;
          payload = concatAll(this.#fragments);
          this.#fragments = [];
        }
        this.o.onText(decoder.decode(payload));
        return;
      }
      case 0x8: {
        const code = payload.length >= 2 ? (payload[0] << 8) | payload[1] : 1005;
        const reason = decoder.decode(payload.subarray(2));
        this.#sendClose(code === 1005 ? 1000 : code);
        // Give the close frame a moment to leave before the socket goes.
        setTimeout(() => this.#finish(code, reason), 50);
        this.#open = false;
        return;
      }
      case 0x9:
        this.#enqueue(frame(0xa, payload.slice()));
        return;
    }
  }

  #finished = false;
  #finish(code: number, reason: string) {
    this.#open = false;
    if (this.#finished) return;
    this.#finished = true;
    try {
      this.conn.close();
    } catch { /* already closed */ }
    this.o.onClose(code, reason);
  }
}

/** npm `ws` under node compat (its socket sets noDelay). */
class NodeWsSocket implements BenchSocket {
  private constructor(private readonly ws: WebSocketNode) {}

  get open(): boolean {
    return this.ws.readyState === WebSocketNode.OPEN;
  }

  static connect(o: ClientOptions): Promise<NodeWsSocket> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocketNode(`ws://${o.hostname}:${o.port}${o.path}`, {
        headers: { Authorization: `Bearer ${o.token}` },
        perMessageDeflate: false,
      });
      let opened = false;
      ws.on("open", () => {
        opened = true;
        resolve(new NodeWsSocket(ws));
      });
      ws.on("message", (data: Buffer, isBinary: boolean) => {
        if (!isBinary) o.onText(data.toString("utf8"));
      });
      ws.on("error", (err: Error) => {
        if (!opened) reject(err);
      });
      ws.on("close", (code: number, reason: Buffer) => {
        if (opened) o.onClose(code, reason.toString());
      });
    });
  }

  sendText(text: string): void {
    if (this.open) this.ws.send(text);
  }

  close(code = 1000): void {
    try {
      this.ws.close(code);
    } catch { /* already closed */ }
  }
}
