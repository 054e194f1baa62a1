/**
 * RFC 6455 framing for the raw bench client: masked client frames, unmasking, and the byte
 * helpers its read loop and handshake need. No extensions, no compression.
 */

/** A masked client frame. */
export function frame(opcode: number, payload: Uint8Array): Uint8Array {
  const len = payload.length;
  const hdr = len < 126 ? 2 : len < 65536 ? 4 : 10;
  const out = new Uint8Array(hdr + 4 + len);
  out[0] = 0x80 | opcode;
  if (hdr === 2) out[1] = 0x80 | len;
  else if (hdr === 4) {
    out[1] = 0x80 | 126;
    out[2] = len >> 8;
    out[3] = len & 0xff;
  } else {
    out[1] = 0x80 | 127;
    new DataView(out.buffer).setBigUint64(2, BigInt(len));
  }
  const key = out.subarray(hdr, hdr + 4);
  crypto.getRandomValues(key);
  out.set(payload, hdr + 4);
  unmask(out.subarray(hdr + 4), key);
  return out;
}

/** XORs `data` with the 4-byte key in place (masking and unmasking are the same operation). */
export function unmask(data: Uint8Array, key: Uint8Array) {
  const n = data.length;
  let i = 0;
  if (n >= 16 && data.byteOffset % 4 === 0) {
    const k32 = new Uint32Array(key.slice().buffer)[0];
    const words = new Uint32Array(data.buffer, data.byteOffset, n >> 2);
    for (let w = 0; w < words.length; w++) words[w] ^= k32;
    i = words.length << 2;
  }
  for (; i < n; i++) data[i] ^= key[i & 3];
}

export function indexOfCrlfCrlf(b: Uint8Array): number {
  for (let i = 0; i + 3 < b.length; i++) {
    if (b[i] === 13 && b[i + 1] === 10 && b[i + 2] === 13 && b[i + 3] === 10) return i;
  }
  return -1;
}

export function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b.slice();
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

export function concatAll(parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export async function writeAll(conn: Deno.Conn, data: Uint8Array) {
  let off = 0;
  while (off < data.length) off += await conn.write(data.subarray(off));
}
