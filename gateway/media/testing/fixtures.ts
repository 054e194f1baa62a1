/** Media fixtures: real images made with sharp, an image bomb, executables, and an uploader. */
import { crc32, deflateSync } from "node:zlib";
import sharp from "sharp";

/** A real PNG of this size (a gradient, so it is not trivially small). */
export async function png(width = 800, height = 600): Promise<Uint8Array<ArrayBuffer>> {
  const raw = new Uint8Array(width * height * 3);
  for (let i = 0; i < raw.length; i++) raw[i] = (i * 7) % 256;
  return Uint8Array.from(
    await sharp(raw, { raw: { width, height, channels: 3 } }).png().toBuffer(),
  );
}

/** A valid PNG header claiming huge dimensions, in a few hundred bytes: an image bomb. */
export function pngBomb(width = 100_000, height = 100_000): Uint8Array<ArrayBuffer> {
  const chunk = (type: string, data: Uint8Array) => {
    const out = new Uint8Array(12 + data.length);
    const view = new DataView(out.buffer);
    view.setUint32(0, data.length);
    out.set(new TextEncoder().encode(type), 4);
    out.set(data, 8);
    view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
    return out;
  };
  const ihdr = new Uint8Array(13);
  const v = new DataView(ihdr.buffer);
  v.setUint32(0, width);
  v.setUint32(4, height);
  ihdr.set([8, 2, 0, 0, 0], 8); // 8-bit RGB
  const idat = deflateSync(new Uint8Array(4096)); // the first rows, all zero
  const parts = [
    new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", ihdr),
    chunk("IDAT", new Uint8Array(idat)),
    chunk("IEND", new Uint8Array()),
  ];
  return Uint8Array.from(parts.flatMap((p) => [...p]));
}

/** The start of a Linux ELF executable. */
export function elf(): Uint8Array<ArrayBuffer> {
  const b = new Uint8Array(256);
  b.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]);
  b.set([2, 0, 0x3e, 0], 16); // ET_EXEC, x86-64
  return b;
}

/** The start of a Windows PE executable ("MZ" ... "PE\0\0"). */
export function exe(): Uint8Array<ArrayBuffer> {
  const b = new Uint8Array(512);
  b.set([0x4d, 0x5a]);
  new DataView(b.buffer).setUint32(0x3c, 0x80, true);
  b.set([0x50, 0x45, 0, 0], 0x80);
  return b;
}

/** A body that yields `total` bytes in chunks, optionally pausing before each. */
export function slowBody(
  total: number,
  opts: { chunk?: number; pauseMs?: number; onProgress?: (sent: number) => void | Promise<void> } =
    {},
): ReadableStream<Uint8Array> {
  const size = opts.chunk ?? 1024 * 1024;
  let sent = 0;
  return new ReadableStream({
    async pull(c) {
      if (sent >= total) return c.close();
      if (opts.pauseMs) await new Promise((r) => setTimeout(r, opts.pauseMs));
      const n = Math.min(size, total - sent);
      c.enqueue(new Uint8Array(n).fill(sent % 251));
      sent += n;
      await opts.onProgress?.(sent);
    },
  });
}

/** POST /v1/media with a query and a body; resolves with the status and the JSON answer. */
export async function upload(
  base: string,
  token: string | null,
  query: Record<string, string>,
  body: BodyInit | ReadableStream<Uint8Array>,
  headers: Record<string, string> = {},
  // deno-lint-ignore no-explicit-any
): Promise<{ status: number; json: any }> {
  const r = await fetch(`${base}/v1/media?${new URLSearchParams(query)}`, {
    method: "POST",
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
    body,
    // @ts-ignore: Deno streams request bodies (duplex "half")
    duplex: "half",
  });
  const text = await r.text();
  return { status: r.status, json: text ? JSON.parse(text) : null };
}
