/**
 * What an upload is, decided from its first bytes with `file-type` (magic numbers, well kept
 * and dependency-light), never from its name or the client's claim; and whether a file name is
 * one we can keep (it is only ever shown, never used as a path: storage keys are random).
 */
import { fileTypeFromBuffer } from "file-type";
import { ErrorCode, type MediaKind } from "@im/protocol";

/** Bytes read before deciding (file-type needs 4100 for most formats; containers like more). */
export const HEAD_BYTES = 64 * 1024;

const IMAGES = new Set(["image/jpeg", "image/png", "image/gif", "image/webp", "image/avif"]);
// Refused whatever they are uploaded as: native executables and the like.
const EXECUTABLES = new Set([
  "application/x-msdownload",
  "application/x-elf",
  "application/x-mach-binary",
  "application/x-ms-shortcut",
  "application/x-shockwave-flash",
]);
// Browsers record voice as WebM or Ogg, which file-type reports as video containers.
const VOICE_CONTAINERS: Record<string, string> = {
  "video/webm": "audio/webm",
  "video/ogg": "audio/ogg",
};

export type TypeCheck =
  | { ok: true; mime: string }
  | { ok: false; code: ErrorCode; message: string };

export async function checkType(kind: MediaKind, head: Uint8Array): Promise<TypeCheck> {
  const mime = (await fileTypeFromBuffer(head))?.mime ?? "application/octet-stream";
  if (EXECUTABLES.has(mime)) {
    return { ok: false, code: ErrorCode.MEDIA_TYPE_FORBIDDEN, message: `${mime} is not accepted` };
  }
  const mismatch = (): TypeCheck => ({
    ok: false,
    code: ErrorCode.MEDIA_TYPE_MISMATCH,
    message: `the content is ${mime}, not ${kind === "image" ? "an" : "a"} ${kind}`,
  });
  switch (kind) {
    case "image":
      return IMAGES.has(mime) ? { ok: true, mime } : mismatch();
    case "voice":
      if (mime.startsWith("audio/")) return { ok: true, mime };
      return VOICE_CONTAINERS[mime] ? { ok: true, mime: VOICE_CONTAINERS[mime] } : mismatch();
    case "video":
      return mime.startsWith("video/") ? { ok: true, mime } : mismatch();
    case "file":
      return { ok: true, mime };
  }
}

/** A name to show, or null: no path, no NUL or control characters, at most 255 characters. */
export function checkName(name: string): string | null {
  if (name.length < 1 || [...name].length > 255 || !name.isWellFormed()) return null;
  // deno-lint-ignore no-control-regex
  if (/[\u0000-\u001f\u007f/\\]/.test(name)) return null;
  if (name === "." || name === ".." || name.trim() === "") return null;
  return name;
}

/** Types a browser may show inline from our origin; everything else downloads as an attachment. */
export function isInline(mime: string): boolean {
  return IMAGES.has(mime) || mime.startsWith("audio/") || mime.startsWith("video/");
}
