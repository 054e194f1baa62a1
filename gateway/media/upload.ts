/**
 * Receiving one upload, streamed: the first bytes decide the type (nothing is stored for a
 * refused type), a counter refuses the body the moment it passes its kind's limit (the put is
 * aborted, so nothing stays behind), and the bytes go straight to storage. Images alone are
 * spooled to a temporary file first: their dimensions are checked from the header and a
 * thumbnail made before anything is stored. The media row is written last, so a row never names
 * a missing object; if that write fails the objects are deleted again.
 */
import { join } from "node:path";
import { ErrorCode, type MediaKind, type MediaRef } from "@im/protocol";
import type { Config } from "@im/shared/config";
import type { Db } from "@im/shared/db";
import type { Logger } from "@im/shared/log";
import { checkType, HEAD_BYTES } from "./detect.ts";
import { ImageError, inspect, thumbnail } from "./images.ts";
import { insertMedia } from "./records.ts";
import { type MediaStorage, newKey } from "./storage.ts";

export interface UploadDeps {
  db: Db;
  storage: MediaStorage;
  config: Config;
  log: Logger;
}

export interface UploadRequest {
  userId: string;
  conversationId: string;
  kind: MediaKind;
  name: string;
  durationMs?: number;
  body: ReadableStream<Uint8Array>;
}

export type UploadResult =
  | { ok: true; media: MediaRef }
  | { ok: false; status: 400 | 413 | 415 | 422 | 503; code: ErrorCode; message: string };

export function limitOf(config: Config, kind: MediaKind): number {
  return {
    image: config.mediaMaxImageBytes,
    voice: config.mediaMaxVoiceBytes,
    video: config.mediaMaxVideoBytes,
    file: config.mediaMaxFileBytes,
  }[kind];
}

const tooLarge = (limit: number): UploadResult => ({
  ok: false,
  status: 413,
  code: ErrorCode.MEDIA_TOO_LARGE,
  message: `larger than the limit of ${limit} bytes`,
});
const unavailable = (): UploadResult => ({
  ok: false,
  status: 503,
  code: ErrorCode.UNAVAILABLE,
  message: "media storage unavailable; nothing was stored, try again",
});

export async function receiveUpload(deps: UploadDeps, req: UploadRequest): Promise<UploadResult> {
  const limit = limitOf(deps.config, req.kind);
  const reader = req.body.getReader();
  const head = await readHead(reader, Math.min(HEAD_BYTES, limit + 1));
  if (head.byteLength > limit) return (await reader.cancel(), tooLarge(limit));
  const type = await checkType(req.kind, head);
  if (!type.ok) return (await reader.cancel(), { ...type, status: 415 });
  let over = false;
  let size = 0;
  const body = rest(head, reader).pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, c) {
        size += chunk.byteLength;
        if (size > limit) {
          over = true;
          c.error(new Error("upload over its limit"));
        } else c.enqueue(chunk);
      },
    }),
  );
  const ref: Omit<MediaRef, "mediaId"> = { mime: type.mime, size: 0, name: req.name };
  if (req.durationMs !== undefined) ref.durationMs = req.durationMs;
  const keys: string[] = [];
  try {
    if (req.kind === "image") {
      const r = await storeImage(deps, body, ref, keys);
      if (r) return r;
    } else {
      const key = newKey("o");
      await deps.storage.put(key, body, type.mime);
      keys.push(key);
    }
  } catch (err) {
    await Promise.all(keys.map((k) => deps.storage.delete(k).catch(() => {})));
    if (over) return tooLarge(limit);
    deps.log.warn("media upload failed", { err, kind: req.kind });
    return unavailable();
  }
  ref.size = size;
  try {
    const mediaId = await insertMedia(deps.db, {
      conversationId: req.conversationId,
      uploaderId: req.userId,
      kind: req.kind,
      storageKey: keys[0],
      thumbKey: keys[1] ?? null,
      ref,
    }, Date.now());
    return { ok: true, media: { mediaId, ...ref } };
  } catch (err) {
    await Promise.all(keys.map((k) => deps.storage.delete(k).catch(() => {})));
    throw err;
  }
}

/** Spools, checks and thumbnails an image, then stores both; a refusal is returned, not thrown. */
async function storeImage(
  deps: UploadDeps,
  body: ReadableStream<Uint8Array>,
  ref: Omit<MediaRef, "mediaId">,
  keys: string[],
): Promise<UploadResult | null> {
  const c = deps.config;
  const spool = join(c.mediaDir, ".spool");
  await Deno.mkdir(spool, { recursive: true });
  const path = join(spool, crypto.randomUUID());
  try {
    await body.pipeTo((await Deno.open(path, { write: true, createNew: true })).writable);
    try {
      const { width, height } = await inspect(path, c.mediaMaxImagePixels);
      const thumb = await thumbnail(path, c.mediaThumbPx, c.mediaMaxImagePixels);
      Object.assign(ref, { width, height, thumb: { width: thumb.width, height: thumb.height } });
      const [original, small] = [newKey("o"), newKey("t")];
      await deps.storage.put(original, (await Deno.open(path)).readable, ref.mime);
      keys.push(original);
      await deps.storage.put(small, new Blob([thumb.data]).stream(), "image/webp");
      keys.push(small);
      return null;
    } catch (err) {
      if (!(err instanceof ImageError)) throw err;
      return { ok: false, status: 422, code: ErrorCode.MEDIA_IMAGE_INVALID, message: err.message };
    }
  } finally {
    await Deno.remove(path).catch(() => {});
  }
}

/** Reads until `n` bytes are in hand or the body ends. */
async function readHead(reader: ReadableStreamDefaultReader<Uint8Array>, n: number) {
  const parts: Uint8Array[] = [];
  let have = 0;
  while (have < n) {
    const { value, done } = await reader.read();
    if (done) break;
    parts.push(value);
    have += value.byteLength;
  }
  const head = new Uint8Array(have);
  let at = 0;
  for (const p of parts) (head.set(p, at), at += p.byteLength);
  return head;
}

/** The head again, then whatever the reader still has. */
function rest(head: Uint8Array, reader: ReadableStreamDefaultReader<Uint8Array>) {
  let first = true;
  return new ReadableStream<Uint8Array>({
    async pull(c) {
      if (first) {
        first = false;
        if (head.byteLength) return c.enqueue(head);
      }
      const { value, done } = await reader.read();
      if (done) c.close();
      else c.enqueue(value);
    },
    cancel: (reason) => reader.cancel(reason),
  });
}
