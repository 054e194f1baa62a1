/** A gateway: where it listens and what it tells clients. */
import { field, type FieldSpec } from "../spec.ts";

export const gatewayFields = {
  host: field(
    "HOST",
    "string",
    "0.0.0.0",
    "Listen address of the gateway and of the worker's health port (`deno task dev`: 127.0.0.1 unless set).",
  ),
  port: field("PORT", "int", "8080", "Gateway listen port (0 picks a free one).", {
    min: 0,
    max: 65535,
  }),
  publicUrl: field(
    "PUBLIC_WS_URL",
    "string",
    "",
    "WebSocket URL clients are sent to at login; empty means ws://127.0.0.1:<port>/ws.",
  ),
  gatewayId: field("GATEWAY_ID", "string", "", "Gateway id; empty picks a random one at start.", {
    pattern: /^[A-Za-z0-9_-]{0,40}$/,
  }),
  originAllowlist: field(
    "ORIGIN_ALLOWLIST",
    "list",
    "",
    "Exact Origins (besides the gateway's own) allowed to open a WebSocket; no Origin is allowed.",
  ),
  webRoot: field(
    "WEB_ROOT",
    "string",
    "client/web/dist",
    "Directory of the built web app served at `/` (empty: none).",
  ),
} as const satisfies Record<string, FieldSpec>;
