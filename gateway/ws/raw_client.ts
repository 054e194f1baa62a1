/**
 * A tiny client for protocol tests at the door: it writes exact handshake bytes and frames over
 * `Deno.connect` and reads back HTTP responses and frames as they are, so a test can check what
 * no WebSocket library would let it send (no key, version 8, unmasked frames, lying lengths).
 */
const enc = new TextEncoder();
const dec = new TextDecoder();

export const TEST_KEY = "dGhlIHNhbXBsZSBub25jZQ==";

export interface RawResponse {
  status: number;
  headers: Headers;
  body: string;
}

export interface RawFrame {
  opcode: number;
  payload: Uint8Array;
  text: string;
}

/** The request head of a WebSocket upgrade; `headers` replace or (with `null`) drop defaults. */
export function upgradeRequest(headers: Record<string, string | null> = {}, path = "/ws"): string {
  const all: Record<string, string | null> = {
    host: "127.0.0.1",
    upgrade: "websocket",
    connection: "Upgrade",
    "sec-websocket-version": "13",
    "sec-websocket-key": TEST_KEY,
    ...headers,
  };
  const lines = Object.entries(all).filter(([, v]) => v !== null).map(([k, v]) => `${k}: ${v}`);
  return `GET ${path} HTTP/1.1\r\n${lines.join("\r\n")}\r\n\r\n`;
}

/**
 * A client frame. `mask: false` breaks RFC 6455 §5.1 on purpose; `announce` puts a length in
 * the header other than the payload's (to announce a frame whose payload is never sent).
 */
export function clientFrame(
  opcode: number,
  payload: Uint8Array | string,
  o: { mask?: boolean; announce?: number } = {},
): Uint8Array {
  const data = typeof payload === "string" ? enc.encode(payload) : payload;
  const len = o.announce ?? data.length;
  const mask = o.mask ?? true;
  const hdr = len < 126 ? 2 : len < 65536 ? 4 : 10;
  const out = new Uint8Array(hdr + (mask ? 4 : 0) + data.length);
  out[0] = 0x80 | opcode;
  const m = mask ? 0x80 : 0;
  if (hdr === 2) out[1] = m | len;
  else if (hdr === 4) {
    out[1] = m | 126;
    new DataView(out.buffer).setUint16(2, len);
  } else {
    out[1] = m | 127;
    new DataView(out.buffer).setBigUint64(2, BigInt(len));
  }
  const body = out.subarray(hdr + (mask ? 4 : 0));
  body.set(data);
  if (mask) {
    const key = crypto.getRandomValues(out.subarray(hdr, hdr + 4));
    for (let i = 0; i < body.length; i++) body[i] ^= key[i & 3];
  }
  return out;
}

export class RawClient {
  #buf = new Uint8Array(0);
  #eof = false;
  #wake: (() => void) | null = null;

  private constructor(readonly conn: Deno.TcpConn) {
    this.#readLoop();
  }

  static async connect(port: number, hostname = "127.0.0.1"): Promise<RawClient> {
    const conn = await Deno.connect({ hostname, port });
    conn.setNoDelay(true);
    return new RawClient(conn);
  }

  async write(data: string | Uint8Array): Promise<void> {
    const bytes = typeof data === "string" ? enc.encode(data) : data;
    for (let off = 0; off < bytes.length;) off += await this.conn.write(bytes.subarray(off));
  }

  /** Stops reading (one read may be in flight), so the server sees a peer that stopped. */
  pause(): void {
    this.#paused = true;
  }

  #paused = false;

  async #readLoop() {
    const chunk = new Uint8Array(64 * 1024);
    try {
      for (;;) {
        if (this.#paused) return;
        const n = await this.conn.read(chunk);
        if (n === null) break;
        const merged = new Uint8Array(this.#buf.length + n);
        merged.set(this.#buf);
        merged.set(chunk.subarray(0, n), this.#buf.length);
        this.#buf = merged;
        this.#wake?.();
      }
    } catch { /* a reset ends the connection like EOF */ }
    this.#eof = true;
    this.#wake?.();
  }

  /** Waits for more bytes; false at EOF or when `deadline` passes. */
  async #fill(deadline: number): Promise<boolean> {
    if (this.#eof) return false;
    const had = this.#buf.length;
    let timer: ReturnType<typeof setTimeout> | undefined;
    await new Promise<void>((r) => {
      this.#wake = r;
      timer = setTimeout(r, Math.max(0, deadline - Date.now()));
    });
    clearTimeout(timer);
    this.#wake = null;
    return this.#buf.length > had;
  }

  async #need(n: number, deadline: number): Promise<boolean> {
    while (this.#buf.length < n) if (!(await this.#fill(deadline))) return false;
    return true;
  }

  #take(n: number): Uint8Array {
    const out = this.#buf.slice(0, n);
    this.#buf = this.#buf.slice(n);
    return out;
  }

  /** The HTTP response: head, then a body of Content-Length bytes (or up to EOF). */
  async response(ms = 5000): Promise<RawResponse> {
    const deadline = Date.now() + ms;
    let end = -1;
    while ((end = dec.decode(this.#buf).indexOf("\r\n\r\n")) < 0) {
      if (!(await this.#fill(deadline))) {
        throw new Error(`no response head: ${dec.decode(this.#buf)}`);
      }
    }
    const head = dec.decode(this.#take(end + 4)).trimEnd().split("\r\n");
    const status = Number(head[0].split(" ")[1]);
    const headers = new Headers();
    for (const line of head.slice(1)) {
      const i = line.indexOf(":");
      headers.append(line.slice(0, i).trim(), line.slice(i + 1).trim());
    }
    if (status === 101) return { status, headers, body: "" };
    const length = headers.get("content-length");
    if (length !== null) await this.#need(Number(length), deadline);
    else while (!this.#eof && Date.now() < deadline) await this.#fill(deadline);
    const body = dec.decode(this.#take(length !== null ? Number(length) : this.#buf.length));
    return { status, headers, body };
  }

  /** The next server frame, or null if the connection ends (or `ms` passes) first. */
  async frame(ms = 5000): Promise<RawFrame | null> {
    const deadline = Date.now() + ms;
    if (!(await this.#need(2, deadline))) return null;
    let len = this.#buf[1] & 0x7f, hdr = 2;
    if (len === 126) {
      if (!(await this.#need(4, deadline))) return null;
      len = new DataView(this.#buf.buffer, 2, 2).getUint16(0);
      hdr = 4;
    } else if (len === 127) {
      if (!(await this.#need(10, deadline))) return null;
      len = Number(new DataView(this.#buf.buffer, 2, 8).getBigUint64(0));
      hdr = 10;
    }
    if (!(await this.#need(hdr + len, deadline))) return null;
    const opcode = this.#buf[0] & 0x0f;
    const payload = this.#take(hdr + len).subarray(hdr);
    return { opcode, payload, text: dec.decode(payload) };
  }

  /** Frames up to the server's close frame: the frames before it and the close code. */
  async untilClose(ms = 5000): Promise<{ frames: RawFrame[]; code: number | null }> {
    const deadline = Date.now() + ms;
    const frames: RawFrame[] = [];
    for (;;) {
      const f = await this.frame(deadline - Date.now());
      if (!f) return { frames, code: null };
      if (f.opcode === 0x8) {
        const code = f.payload.length >= 2 ? (f.payload[0] << 8) | f.payload[1] : 1005;
        return { frames, code };
      }
      frames.push(f);
    }
  }

  /** True if the server ends the connection within `ms` (EOF or reset), reading nothing more. */
  async ended(ms = 5000): Promise<boolean> {
    const deadline = Date.now() + ms;
    while (!this.#eof && Date.now() < deadline) await this.#fill(deadline);
    return this.#eof;
  }

  close(): void {
    try {
      this.conn.close();
    } catch { /* already closed */ }
  }
}
