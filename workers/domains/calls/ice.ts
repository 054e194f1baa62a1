/**
 * The STUN/TURN servers published to callers (ICE_SERVERS), with TURN credentials minted per
 * user when TURN_SECRET is set: coturn's `use-auth-secret` scheme (the "TURN REST API"):
 * username `<expiry epoch s>:<userId>`, credential base64(HMAC-SHA1(secret, username)). A leaked
 * credential expires by itself and names its user; the secret never leaves the server.
 */
import type { IceServer } from "@im/protocol";
import { ConfigError } from "@im/shared/config";

/** Parses ICE_SERVERS: a JSON array of RTCIceServer, or a comma list of URLs. Throws ConfigError. */
export function parseIceServers(raw: string): IceServer[] {
  const text = raw.trim();
  if (text === "") return [];
  if (!text.startsWith("[")) {
    const urls = text.split(",").map((s) => s.trim()).filter(Boolean);
    for (const u of urls) checkUrl(u);
    return urls.map((u) => ({ urls: [u] }));
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new ConfigError(["ICE_SERVERS is not valid JSON"]);
  }
  if (!Array.isArray(parsed)) throw new ConfigError(["ICE_SERVERS must be a JSON array"]);
  return parsed.map((s, i) => {
    const o = s as { urls?: unknown; username?: unknown; credential?: unknown };
    const urls = typeof o?.urls === "string" ? [o.urls] : o?.urls;
    if (!Array.isArray(urls) || urls.length === 0 || urls.some((u) => typeof u !== "string")) {
      throw new ConfigError([`ICE_SERVERS[${i}].urls must be a URL or a list of URLs`]);
    }
    for (const u of urls) checkUrl(u);
    const out: IceServer = { urls };
    if (typeof o.username === "string") out.username = o.username;
    if (typeof o.credential === "string") out.credential = o.credential;
    return out;
  });
}

function checkUrl(u: string) {
  if (!/^(stun|stuns|turn|turns):[^\s]+$/.test(u)) {
    throw new ConfigError([`ICE_SERVERS: "${u}" is not a stun:, stuns:, turn: or turns: URL`]);
  }
}

export class IceServers {
  readonly #servers: IceServer[];
  #key: Promise<CryptoKey> | null = null;

  constructor(raw: string, private readonly secret: string, private readonly ttlSec: number) {
    this.#servers = parseIceServers(raw);
  }

  /** The servers for one user at `now`: TURN entries without credentials get fresh ones. */
  async for(userId: string, now: number): Promise<IceServer[]> {
    const needs = (s: IceServer) =>
      this.secret !== "" && !s.username && s.urls.some((u) => u.startsWith("turn"));
    if (!this.#servers.some(needs)) return this.#servers;
    const username = `${Math.floor(now / 1000) + this.ttlSec}:${userId}`;
    const credential = await turnCredential(await this.#hmacKey(), username);
    return this.#servers.map((s) => (needs(s) ? { ...s, username, credential } : s));
  }

  #hmacKey(): Promise<CryptoKey> {
    this.#key ??= crypto.subtle.importKey(
      "raw",
      new TextEncoder().encode(this.secret),
      { name: "HMAC", hash: "SHA-1" },
      false,
      ["sign"],
    );
    return this.#key;
  }
}

export async function turnCredential(key: CryptoKey, username: string): Promise<string> {
  const mac = await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(username));
  return btoa(String.fromCharCode(...new Uint8Array(mac)));
}
