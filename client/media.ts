/**
 * The gateway's media HTTP API: uploads with progress, and signed links (for an `<img src>`,
 * which cannot carry a token). In a browser uploads go through XMLHttpRequest, the one API
 * that reports upload progress there (a streaming fetch needs HTTP/2); elsewhere (Deno, Node)
 * through fetch with a counting stream, so a large file is never read into memory first.
 */
import type { MediaKind, MediaRef } from "@im/protocol";
import { ErrorCode, HttpError, NetworkError } from "./errors.ts";
import type { FetchFn } from "./http.ts";

export interface UploadProgress {
  loaded: number;
  /** The body's size when known. */
  total: number | null;
}

export interface UploadRequest {
  conversationId: string;
  kind: MediaKind;
  /** Shown to the receiver; no path. */
  name: string;
  /** Voice and video: the length the client measured. */
  durationMs?: number;
  body: Blob | Uint8Array<ArrayBuffer> | ReadableStream<Uint8Array>;
  onProgress?(p: UploadProgress): void;
  signal?: AbortSignal;
}

export interface MediaLink {
  /** Relative to the gateway's origin. */
  url: string;
  thumbUrl?: string;
  expiresAt: number;
}

/** The part of XMLHttpRequest used here (not in Deno's types; present in browsers). */
interface Xhr {
  open(method: string, url: string): void;
  setRequestHeader(name: string, value: string): void;
  upload: {
    onprogress: ((e: { loaded: number; total: number; lengthComputable: boolean }) => void) | null;
  };
  onerror: (() => void) | null;
  onabort: (() => void) | null;
  onload: (() => void) | null;
  status: number;
  responseText: string;
  abort(): void;
  send(body: unknown): void;
}
const XHR = (globalThis as { XMLHttpRequest?: new () => Xhr }).XMLHttpRequest;

export class MediaApi {
  readonly baseUrl: string;

  constructor(baseUrl: string, private readonly fetchFn: FetchFn = (i, r) => fetch(i, r)) {
    this.baseUrl = baseUrl.replace(/\/+$/, "");
  }

  upload(accessToken: string, req: UploadRequest): Promise<MediaRef> {
    const q = new URLSearchParams({
      conversationId: req.conversationId,
      kind: req.kind,
      name: req.name,
      ...(req.durationMs !== undefined ? { durationMs: String(Math.round(req.durationMs)) } : {}),
    });
    const url = `${this.baseUrl}/v1/media?${q}`;
    const browser = XHR !== undefined && !(req.body instanceof ReadableStream);
    return browser ? this.#xhr(url, accessToken, req) : this.#fetch(url, accessToken, req);
  }

  /** A short-lived link any holder can fetch (members only get one). */
  async link(accessToken: string, mediaId: string): Promise<MediaLink> {
    const r = await this.#send(`${this.baseUrl}/v1/media/${encodeURIComponent(mediaId)}/link`, {
      method: "POST",
      headers: { authorization: `Bearer ${accessToken}` },
    });
    return await r.json() as MediaLink;
  }

  /** A link's absolute URL. */
  resolve(path: string): string {
    return new URL(path, this.baseUrl + "/").toString();
  }

  async #fetch(url: string, token: string, req: UploadRequest): Promise<MediaRef> {
    const total = req.body instanceof Blob
      ? req.body.size
      : req.body instanceof Uint8Array
      ? req.body.byteLength
      : null;
    const source = req.body instanceof ReadableStream
      ? req.body
      : slices(req.body instanceof Blob ? req.body : new Blob([req.body]));
    let loaded = 0;
    const counted = source.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, c) {
          loaded += chunk.byteLength;
          req.onProgress?.({ loaded, total });
          c.enqueue(chunk);
        },
      }),
    );
    const headers: Record<string, string> = { authorization: `Bearer ${token}` };
    if (total !== null) headers["content-length"] = String(total);
    const r = await this.#send(url, {
      method: "POST",
      headers,
      body: counted,
      signal: req.signal,
      // @ts-ignore: a streamed request body (Deno, Node 18+, browsers over HTTP/2)
      duplex: "half",
    });
    return await r.json() as MediaRef;
  }

  #xhr(url: string, token: string, req: UploadRequest): Promise<MediaRef> {
    return new Promise((resolve, reject) => {
      const x = new XHR!();
      x.open("POST", url);
      x.setRequestHeader("authorization", `Bearer ${token}`);
      x.upload.onprogress = (e) =>
        req.onProgress?.({ loaded: e.loaded, total: e.lengthComputable ? e.total : null });
      x.onerror = () => reject(new NetworkError("cannot reach the server"));
      x.onabort = () => reject(new NetworkError("upload aborted"));
      x.onload = () => {
        const status = x.status;
        if (status === 201) return resolve(JSON.parse(x.responseText) as MediaRef);
        reject(httpError(status, x.responseText));
      };
      req.signal?.addEventListener("abort", () => x.abort());
      x.send(req.body as Blob);
    });
  }

  async #send(url: string, init: RequestInit): Promise<Response> {
    let r: Response;
    try {
      r = await this.fetchFn(url, init);
    } catch (err) {
      throw new NetworkError("cannot reach the server", { cause: err });
    }
    if (r.ok) return r;
    throw httpError(r.status, await r.text());
  }
}

const SLICE = 256 * 1024;

/** A blob read a slice at a time (so progress moves, and a file is never read whole). */
function slices(blob: Blob): ReadableStream<Uint8Array> {
  let at = 0;
  return new ReadableStream({
    async pull(c) {
      if (at >= blob.size) return c.close();
      const part = blob.slice(at, at + SLICE);
      at += SLICE;
      c.enqueue(new Uint8Array(await part.arrayBuffer()));
    },
  });
}

function httpError(status: number, text: string): HttpError {
  let err: { code?: unknown; message?: unknown } | undefined;
  try {
    err = JSON.parse(text)?.error;
  } catch {
    // not our JSON: reported by status
  }
  const code = typeof err?.code === "number"
    ? err.code
    : status >= 500
    ? ErrorCode.UNAVAILABLE
    : ErrorCode.INVALID_REQUEST;
  return new HttpError(
    status,
    code,
    typeof err?.message === "string" ? err.message : `HTTP ${status}`,
  );
}
