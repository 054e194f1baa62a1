/**
 * Where media bytes live: a narrow port with two implementations that pass the same suite
 * (storage_test.ts): local disk (MEDIA_DIR, the default) and any S3-compatible store. A put is
 * all or nothing: the object appears only once every byte is written; a failed or aborted put
 * leaves nothing readable behind.
 */
import { dirname, join } from "node:path";

export interface ByteRange {
  /** Inclusive offsets. */
  start: number;
  end: number;
}

export interface MediaStorage {
  /** Writes the whole stream under `key`, or nothing (a stream that errors aborts the put). */
  put(key: string, body: ReadableStream<Uint8Array>, contentType: string): Promise<void>;
  /** The object's bytes (or one range of them); null when there is no such object. */
  get(key: string, range?: ByteRange): Promise<ReadableStream<Uint8Array> | null>;
  delete(key: string): Promise<void>;
  /** Every key (tests and operators: what is really there). */
  list(): Promise<string[]>;
}

/** Keys are made by the server (`newKey`), never from a client's name: checked again here. */
const KEY = /^[ot]\/[0-9]{6}\/[0-9a-f]{32}$/;

export function newKey(kind: "o" | "t", now = new Date()): string {
  const month = `${now.getUTCFullYear()}${String(now.getUTCMonth() + 1).padStart(2, "0")}`;
  return `${kind}/${month}/${crypto.randomUUID().replaceAll("-", "")}`;
}

export function checkKey(key: string): string {
  if (!KEY.test(key)) throw new Error(`not a media key: ${JSON.stringify(key)}`);
  return key;
}

/** Files under a directory; each put writes a temporary file and renames it into place. */
export class LocalStorage implements MediaStorage {
  readonly #tmp: string;

  constructor(private readonly dir: string) {
    this.#tmp = join(dir, ".tmp");
  }

  async put(key: string, body: ReadableStream<Uint8Array>): Promise<void> {
    const path = join(this.dir, checkKey(key));
    await Deno.mkdir(this.#tmp, { recursive: true });
    const tmp = join(this.#tmp, crypto.randomUUID());
    const file = await Deno.open(tmp, { write: true, createNew: true });
    try {
      await body.pipeTo(file.writable); // closes the file, or aborts (and closes) on error
      await Deno.mkdir(dirname(path), { recursive: true });
      await Deno.rename(tmp, path);
    } catch (err) {
      await Deno.remove(tmp).catch(() => {});
      throw err;
    }
  }

  async get(key: string, range?: ByteRange): Promise<ReadableStream<Uint8Array> | null> {
    let file: Deno.FsFile;
    try {
      file = await Deno.open(join(this.dir, checkKey(key)), { read: true });
    } catch (err) {
      if (err instanceof Deno.errors.NotFound) return null;
      throw err;
    }
    if (!range) return file.readable;
    await file.seek(range.start, Deno.SeekMode.Start);
    return file.readable.pipeThrough(limitBytes(range.end - range.start + 1));
  }

  async delete(key: string): Promise<void> {
    await Deno.remove(join(this.dir, checkKey(key))).catch((err) => {
      if (!(err instanceof Deno.errors.NotFound)) throw err;
    });
  }

  async list(): Promise<string[]> {
    const out: string[] = [];
    const walk = async (rel: string) => {
      for await (const e of Deno.readDir(join(this.dir, rel))) {
        const p = rel ? `${rel}/${e.name}` : e.name;
        if (e.isDirectory && p !== ".tmp") await walk(p);
        else if (e.isFile) out.push(p);
      }
    };
    await walk("").catch((err) => {
      if (!(err instanceof Deno.errors.NotFound)) throw err;
    });
    return out.sort();
  }
}

/** Passes the first `n` bytes through and ends the stream. */
export function limitBytes(n: number): TransformStream<Uint8Array, Uint8Array> {
  let left = n;
  return new TransformStream({
    transform(chunk, c) {
      if (left <= 0) return;
      const part = chunk.byteLength > left ? chunk.subarray(0, left) : chunk;
      left -= part.byteLength;
      c.enqueue(part);
      if (left <= 0) c.terminate();
    },
  });
}
