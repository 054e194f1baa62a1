/**
 * Short-lived signed media links, for places that cannot send a bearer token (an `<img src>`).
 * A link names the media, the variant, the user it was issued to and its expiry, signed with
 * HMAC-SHA256 under a key derived from the JWT secret (every gateway can check it). The user is
 * in the link so that a download re-checks their membership: a link of someone who has left
 * stops working at once, not at its expiry.
 */
import { ErrorCode } from "@im/protocol";

export type Variant = "original" | "thumb";

export interface LinkClaims {
  mediaId: string;
  variant: Variant;
  userId: string;
  expiresAt: number;
}

const enc = new TextEncoder();
const b64url = (b: ArrayBuffer) =>
  btoa(String.fromCharCode(...new Uint8Array(b))).replaceAll("+", "-").replaceAll("/", "_")
    .replace(/=+$/, "");
const unb64url = (s: string) =>
  Uint8Array.from(atob(s.replaceAll("-", "+").replaceAll("_", "/")), (c) => c.charCodeAt(0));

export class LinkSigner {
  #key: Promise<CryptoKey>;

  constructor(jwtSecret: string, private readonly ttlMs: number, private readonly now = Date.now) {
    // A key of its own, so a media link can never pass for anything signed with the JWT key.
    this.#key = (async () => {
      const root = await crypto.subtle.importKey(
        "raw",
        enc.encode(jwtSecret),
        { name: "HMAC", hash: "SHA-256" },
        false,
        ["sign"],
      );
      const derived = await crypto.subtle.sign("HMAC", root, enc.encode("im media links v1"));
      return crypto.subtle.importKey("raw", derived, { name: "HMAC", hash: "SHA-256" }, false, [
        "sign",
        "verify",
      ]);
    })();
  }

  /** A path with its query (relative, so it works behind any proxy that forwards /v1/). */
  async sign(mediaId: string, variant: Variant, userId: string) {
    const expiresAt = this.now() + this.ttlMs;
    const sig = b64url(
      await crypto.subtle.sign(
        "HMAC",
        await this.#key,
        payload(mediaId, variant, userId, expiresAt),
      ),
    );
    const path = `/v1/media/${mediaId}${variant === "thumb" ? "/thumb" : ""}`;
    return { url: `${path}?u=${userId}&exp=${expiresAt}&sig=${sig}`, expiresAt };
  }

  /** The link's user, or why it is refused. Expiry is only believed once the signature holds. */
  async verify(
    mediaId: string,
    variant: Variant,
    q: { u?: string; exp?: string; sig?: string },
  ): Promise<{ ok: true; userId: string } | { ok: false; code: ErrorCode; message: string }> {
    const bad = { ok: false as const, code: ErrorCode.MEDIA_LINK_INVALID, message: "invalid link" };
    if (!q.u || !/^[1-9][0-9]{0,19}$/.test(q.u) || !q.exp || !/^[0-9]{1,15}$/.test(q.exp)) {
      return bad;
    }
    if (!q.sig || !/^[A-Za-z0-9_-]{43}$/.test(q.sig)) return bad;
    const exp = Number(q.exp);
    const valid = await crypto.subtle.verify(
      "HMAC",
      await this.#key,
      unb64url(q.sig),
      payload(mediaId, variant, q.u, exp),
    );
    if (!valid) return bad;
    if (exp < this.now()) {
      return { ok: false, code: ErrorCode.MEDIA_LINK_EXPIRED, message: "link expired" };
    }
    return { ok: true, userId: q.u };
  }
}

const payload = (mediaId: string, variant: Variant, userId: string, exp: number) =>
  enc.encode(`${mediaId}|${variant}|${userId}|${exp}`);
