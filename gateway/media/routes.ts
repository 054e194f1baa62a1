/**
 * The media HTTP API (docs/PROTOCOL.md, "Media"): upload (Bearer), a signed link for members,
 * and downloads by Bearer token or signed link. Every download re-checks that the user may
 * fetch the object now (records.ts `fetchable`); "no such media" and "not yours" are one answer.
 */
import { type Context, Hono } from "hono";
import { ErrorCode, MEDIA_KINDS, type MediaKind, object, optional, str } from "@im/protocol";
import type { Config } from "@im/shared/config";
import type { Db } from "@im/shared/db";
import type { Logger } from "@im/shared/log";
import type { KvStore } from "@im/shared/kv";
import { authenticate, bearerToken, jsonError } from "../auth/http.ts";
import { checkName } from "./detect.ts";
import { LinkSigner, type Variant } from "./links.ts";
import { canUpload, fetchable } from "./records.ts";
import { serveObject } from "./serve.ts";
import type { MediaStorage } from "./storage.ts";
import { limitOf, receiveUpload } from "./upload.ts";

export interface MediaDeps {
  db: Db;
  kv: KvStore;
  config: Config;
  jwtSecret: string;
  log: Logger;
  storage: MediaStorage;
}

const uploadQuery = object({
  conversationId: str({ min: 1, max: 64 }),
  kind: str({ min: 1, max: 16 }),
  name: str({ max: 4096 }),
  durationMs: optional(str({ min: 1, max: 12, pattern: /^[0-9]+$/ })),
});
const ID = /^[1-9][0-9]{0,19}$/;

export function mediaRoutes(deps: MediaDeps): Hono {
  const app = new Hono();
  const signer = new LinkSigner(deps.jwtSecret, deps.config.mediaLinkTtlSec * 1000);
  const bearerUser = async (c: Context) => {
    const token = bearerToken(c);
    return token ? (await authenticate(deps, token))?.userId ?? null : null;
  };
  const unauthorized = (c: Context) =>
    jsonError(c, 401, ErrorCode.UNAUTHORIZED, "missing or invalid access token");
  const notFound = (c: Context) => jsonError(c, 404, ErrorCode.MEDIA_NOT_FOUND, "no such media");

  app.onError((err, c) => {
    deps.log.error("media request failed", { path: c.req.path, error: err });
    return jsonError(c, 500, ErrorCode.INTERNAL, "internal error");
  });

  app.post("/v1/media", async (c) => {
    const userId = await bearerUser(c);
    if (!userId) return unauthorized(c);
    const q = checkUpload(deps.config, c.req.query());
    if (typeof q === "string") return jsonError(c, 400, ErrorCode.INVALID_REQUEST, q);
    if ("code" in q) return jsonError(c, 400, q.code, q.message);
    if (!(await canUpload(deps.db, userId, q.conversationId))) {
      return jsonError(c, 404, ErrorCode.NOT_FOUND, "no such conversation");
    }
    const declared = Number(c.req.header("content-length") ?? NaN);
    const limit = limitOf(deps.config, q.kind);
    if (declared > limit) {
      return jsonError(
        c,
        413,
        ErrorCode.MEDIA_TOO_LARGE,
        `larger than the limit of ${limit} bytes`,
      );
    }
    const body = c.req.raw.body ?? new Blob([]).stream();
    const r = await receiveUpload(deps, { ...q, userId, body });
    if (!r.ok) return jsonError(c, r.status, r.code, r.message);
    return c.json(r.media, 201);
  });

  app.post("/v1/media/:id/link", async (c) => {
    const userId = await bearerUser(c);
    if (!userId) return unauthorized(c);
    const id = c.req.param("id");
    const m = ID.test(id) ? await fetchable(deps.db, userId, id) : null;
    if (!m) return notFound(c);
    const original = await signer.sign(id, "original", userId);
    const thumb = m.thumbKey ? await signer.sign(id, "thumb", userId) : null;
    return c.json({
      url: original.url,
      ...(thumb ? { thumbUrl: thumb.url } : {}),
      expiresAt: original.expiresAt,
    });
  });

  const download = (variant: Variant) => async (c: Context) => {
    const id = c.req.param("id") ?? "";
    if (!ID.test(id)) return notFound(c);
    let userId: string | null;
    if (c.req.query("sig") !== undefined) {
      const v = await signer.verify(id, variant, c.req.query());
      if (!v.ok) return jsonError(c, 403, v.code, v.message);
      userId = v.userId;
    } else {
      userId = await bearerUser(c);
      if (!userId) return unauthorized(c);
    }
    const m = await fetchable(deps.db, userId, id);
    const key = m && (variant === "thumb" ? m.thumbKey : m.storageKey);
    if (!m || !key) return notFound(c);
    return await serveObject(c, deps.storage, key, m, variant);
  };
  app.get("/v1/media/:id", download("original"));
  app.get("/v1/media/:id/thumb", download("thumb"));
  return app;
}

type UploadParams = {
  conversationId: string;
  kind: MediaKind;
  name: string;
  durationMs?: number;
};

/** The upload's parameters, or what is wrong with them. */
function checkUpload(
  config: Config,
  query: Record<string, string>,
): UploadParams | string | { code: ErrorCode; message: string } {
  // The name first: a NUL in it is a bad name (its own code), not a malformed request.
  if (typeof query.name === "string" && checkName(query.name) === null) {
    return {
      code: ErrorCode.MEDIA_NAME_INVALID,
      message: "name must be 1-255 characters without a path, NUL or control characters",
    };
  }
  const r = uploadQuery.parse(query);
  if (!r.ok) return `${r.issue.path} ${r.issue.problem}`;
  const { conversationId, kind, name, durationMs } = r.value;
  if (!(MEDIA_KINDS as string[]).includes(kind)) {
    return `kind must be one of ${MEDIA_KINDS.join(", ")}`;
  }
  const timed = kind === "voice" || kind === "video";
  const maxSec = kind === "voice" ? config.mediaMaxVoiceSec : config.mediaMaxVideoSec;
  const ms = durationMs === undefined ? undefined : Number(durationMs);
  if (timed && (ms === undefined || ms < 1 || ms > maxSec * 1000)) {
    return { code: ErrorCode.MEDIA_DURATION, message: `durationMs must be 1 to ${maxSec * 1000}` };
  }
  if (!timed && ms !== undefined) return "durationMs is only for voice and video";
  return { conversationId, kind: kind as MediaKind, name, ...(timed ? { durationMs: ms } : {}) };
}
