/**
 * The WebSocket upgrade: what a request must pass before it becomes a socket, in order. A sound
 * RFC 6455 handshake (version 13, a valid key), an allowed Origin, a free slot for its address
 * (MAX_CONNS_PER_IP), then the token: from `Authorization: Bearer <t>` (native clients) or, for
 * browsers, which cannot set headers, from the subprotocol list `["im.v1", "bearer.<t>"]`, and
 * room among the user's devices. The answer names only the fixed protocol "im.v1": the token is
 * never echoed. The handshake itself is completed by the server (server.ts) through its door.
 */
import type { Context } from "hono";
import { errorBody, ErrorCode } from "@im/protocol";
import type { Identity } from "./conn.ts";
import type { IpSlots } from "./ip_slots.ts";
import type { ServerEnv, WebSocket } from "./server.ts";
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

/** RFC 6455 §4.1: the base64 of 16 bytes. */
const KEY = /^[A-Za-z0-9+/]{21}[AQgw]==$/;
/** RFC 7230 tokens, the only thing a subprotocol may be. */
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** What is wrong with the handshake itself, as the response to send; null if nothing. */
export function handshakeProblem(c: Context): Response | null {
  const bad = (status: 400 | 426, message: string, headers?: Record<string, string>) =>
    c.json({ error: errorBody(ErrorCode.INVALID_REQUEST, message) }, status, headers);
  if (c.req.header("sec-websocket-version") !== "13") {
    // RFC 6455 §4.4: name the versions this server speaks.
    return bad(426, "unsupported Sec-WebSocket-Version", { "sec-websocket-version": "13" });
  }
  if (!KEY.test(c.req.header("sec-websocket-key") ?? "")) {
    return bad(400, "missing or invalid Sec-WebSocket-Key");
  }
  const offered = c.req.header("sec-websocket-protocol");
  if (offered !== undefined && !offered.split(",").every((p) => TOKEN.test(p.trim()))) {
    return bad(400, "invalid Sec-WebSocket-Protocol");
  }
  return null;
}

export interface UpgradeDeps {
  originAllowlist: string[];
  /** Public URLs of the deployment's live gateways, whose pages may connect here too. */
  gatewayUrls?: () => Promise<string[]>;
  slots: IpSlots;
  authenticate(token: string): Promise<Identity | null>;
  /** False when the user already has MAX_DEVICES_PER_USER other devices connected. */
  admit(identity: Identity): Promise<boolean>;
  onSocket(socket: WebSocket, identity: Identity, remote: string): void;
  remoteOf(c: Context): string;
  onRefused(reason: string, c: Context): void;
}

export async function upgrade(c: Context, d: UpgradeDeps): Promise<Response> {
  const door = (c.env as ServerEnv | undefined)?.door;
  if (!door || c.req.header("upgrade")?.toLowerCase() !== "websocket") {
    return c.json(
      { error: errorBody(ErrorCode.INVALID_REQUEST, "expected a WebSocket upgrade") },
      426,
      { upgrade: "websocket" },
    );
  }
  const problem = handshakeProblem(c);
  if (problem) {
    d.onRefused("handshake", c);
    return problem;
  }
  if (!(await originOk(c, d))) {
    d.onRefused("origin", c);
    return c.json({ error: errorBody(ErrorCode.ORIGIN_FORBIDDEN, "origin not allowed") }, 403);
  }
  const remote = d.remoteOf(c);
  // Before the token: an address over its cap costs no JWT check and no Redis round trip.
  if (!d.slots.take(remote)) {
    d.onRefused("ip", c);
    return c.json(
      {
        error: errorBody(
          ErrorCode.TOO_MANY_CONNECTIONS_PER_IP,
          "too many connections from this address",
        ),
      },
      429,
    );
  }
  let handedOver = false;
  try {
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
    handedOver = true;
    return door.accept(
      viaProtocol ? SUBPROTOCOL : null,
      (socket) => d.onSocket(socket, identity, remote),
      () => d.slots.release(remote),
    );
  } finally {
    if (!handedOver) d.slots.release(remote);
  }
}

async function originOk(c: Context, d: UpgradeDeps): Promise<boolean> {
  const origin = c.req.header("origin"), host = c.req.header("host");
  if (originAllowed(origin, d.originAllowlist, host)) return true;
  // Only a browser page from elsewhere costs the registry read.
  return !!d.gatewayUrls && originAllowed(origin, [], null, await d.gatewayUrls());
}
