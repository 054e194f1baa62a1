/**
 * Writes one stored object to an HTTP response: one byte range if asked (players seek with
 * them), and headers that keep user content from acting on our origin: `nosniff`, a sandboxing
 * CSP, and `attachment` for anything that is not an image, audio or video.
 */
import type { Context } from "hono";
import { ErrorCode } from "@im/protocol";
import { jsonError } from "../auth/http.ts";
import { isInline } from "./detect.ts";
import type { Variant } from "./links.ts";
import type { MediaRecord } from "./records.ts";
import type { ByteRange, MediaStorage } from "./storage.ts";

export async function serveObject(
  c: Context,
  storage: MediaStorage,
  key: string,
  m: MediaRecord,
  variant: Variant,
): Promise<Response> {
  const mime = variant === "thumb" ? "image/webp" : m.ref.mime;
  const headers = new Headers({
    "content-type": mime,
    "x-content-type-options": "nosniff",
    "content-security-policy": "default-src 'none'; sandbox",
    "cache-control": "private, max-age=300",
  });
  const name = variant === "thumb" ? `thumb-${m.ref.name}.webp` : m.ref.name;
  const disposition = isInline(mime) ? "inline" : "attachment";
  headers.set(
    "content-disposition",
    `${disposition}; filename="${ascii(name)}"; filename*=UTF-8''${encodeURIComponent(name)}`,
  );
  // The thumbnail's size is not recorded: it is served whole, without ranges.
  const size = variant === "thumb" ? null : m.ref.size;
  let range: ByteRange | undefined;
  const asked = c.req.header("range");
  if (size !== null) {
    headers.set("accept-ranges", "bytes");
    if (asked) {
      const r = parseRange(asked, size);
      if (r === "unsatisfiable") {
        headers.set("content-range", `bytes */${size}`);
        return new Response(null, { status: 416, headers });
      }
      range = r ?? undefined;
    }
  }
  let body: ReadableStream<Uint8Array> | null;
  try {
    body = await storage.get(key, range);
  } catch {
    return jsonError(c, 503, ErrorCode.UNAVAILABLE, "media storage unavailable");
  }
  if (!body) return jsonError(c, 404, ErrorCode.MEDIA_NOT_FOUND, "no such media");
  if (range) {
    headers.set("content-range", `bytes ${range.start}-${range.end}/${size}`);
    headers.set("content-length", String(range.end - range.start + 1));
    return new Response(body, { status: 206, headers });
  }
  if (size !== null) headers.set("content-length", String(size));
  return new Response(c.req.method === "HEAD" ? null : body, { status: 200, headers });
}

/** One `bytes=` range; null when absent or not one we serve (then the whole object goes). */
export function parseRange(header: string, size: number): ByteRange | null | "unsatisfiable" {
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === "" && m[2] === "")) return null;
  if (m[1] === "") {
    const n = Number(m[2]);
    if (n === 0 || size === 0) return "unsatisfiable";
    return { start: Math.max(0, size - n), end: size - 1 };
  }
  const start = Number(m[1]);
  const end = m[2] === "" ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (start >= size || end < start) return "unsatisfiable";
  return { start, end };
}

const ascii = (s: string) => s.replace(/[^\x20-\x7e]|["\\]/g, "_");
