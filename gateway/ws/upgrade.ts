/**
 * The WebSocket upgrade, kept in this one module (hono/deno's helper is deprecated in Hono 4.13).
 * The token is checked before the upgrade: from `Authorization: Bearer <t>` (native clients) or,
 * for browsers, which cannot set headers, from the subprotocol list `["im.v1", "bearer.<t>"]`.
 * The answer names only the fixed protocol "im.v1": the token is never echoed.
 */
import type { Context } from "hono";
import { errorBody, ErrorCode } from "@im/protocol";
import type { Identity } from "./conn.ts";
import { originAllowed } from "../origin.ts";

export const SUBPROTOCOL = "im.v1";
const BEARER_PREFIX = "bearer.";

export function tokenFrom(req: Request): { token: string | null; viaProtocol: boolean } {
  const auth = req.headers.get("authorization");
  if (auth?.startsWith("Bearer ")) return { token: auth.slice(7).trim(), viaProtocol: false };
  const protocols = (req.headers.get("sec-websocket-protocol") ?? "").split(",").map((s) =>
    s.trim()
  );
  const t = protocols.find((p) => p.startsWith(BEARER_PREFIX));
  return {
    token: t ? t.slice(BEARER_PREFIX.length) : null,
    viaProtocol: protocols.includes(SUBPROTOCOL),
  };
}

export interface UpgradeDeps {
  originAllowlist: string[];
  /** Public URLs of the deployment's live gateways, whose pages may connect here too. */
  gatewayUrls?: () => Promise<string[]>;
  idleTimeoutSec: number;
  authenticate(token: string): Promise<Identity | null>;
  /** False when the user already has MAX_DEVICES_PER_USER other devices connected. */
  admit(identity: Identity): Promise<boolean>;
  onSocket(socket: WebSocket, identity: Identity, remote: string): void;
  remoteOf(c: Context): string;
  onRefused(reason: string, c: Context): void;
}

export async function upgrade(c: Context, d: UpgradeDeps): Promise<Response> {
  if (c.req.header("upgrade")?.toLowerCase() !== "websocket") {
    return c.json(
      { error: errorBody(ErrorCode.INVALID_REQUEST, "expected a WebSocket upgrade") },
      426,
    );
  }
  if (!(await originOk(c, d))) {
    d.onRefused("origin", c);
    return c.json({ error: errorBody(ErrorCode.ORIGIN_FORBIDDEN, "origin not allowed") }, 403);
  }
  const { token, viaProtocol } = tokenFrom(c.req.raw);
  const identity = token ? await d.authenticate(token) : null;
  if (!identity) {
    d.onRefused("token", c);
    return c.json(
      { error: errorBody(ErrorCode.UNAUTHORIZED, "missing, invalid or expired token") },
      401,
    );
  }
  if (!(await d.admit(identity))) {
    d.onRefused("connections", c);
    return c.json(
      {
        error: errorBody(
          ErrorCode.TOO_MANY_CONNECTIONS,
          "too many devices connected for this user",
        ),
      },
      429,
    );
  }
  const remote = d.remoteOf(c); // unreadable once the request is upgraded
  const { socket, response } = Deno.upgradeWebSocket(c.req.raw, {
    ...(viaProtocol ? { protocol: SUBPROTOCOL } : {}),
    // Deno pings at this interval and closes peers that stop answering (dead TCP).
    idleTimeout: d.idleTimeoutSec,
  });
  d.onSocket(socket, identity, remote);
  return response;
}

async function originOk(c: Context, d: UpgradeDeps): Promise<boolean> {
  const origin = c.req.header("origin"), host = c.req.header("host");
  if (originAllowed(origin, d.originAllowlist, host)) return true;
  // Only a browser page from elsewhere costs the registry read.
  return !!d.gatewayUrls && originAllowed(origin, [], null, await d.gatewayUrls());
}
