/** Presence, typing and call signaling. */
import { field, type FieldSpec } from "../spec.ts";

export const realtimeFields = {
  callRingSec: field(
    "CALL_RING_SEC",
    "int",
    "30",
    "A call rings this long unanswered, then ends as missed (timeout).",
    { min: 5, max: 600 },
  ),
  callDropGraceSec: field(
    "CALL_DROP_GRACE_SEC",
    "int",
    "10",
    "A device in a call whose connection went away has this long to reconnect before the call ends (dropped).",
    { min: 0, max: 300 },
  ),
  callMaxSec: field(
    "CALL_MAX_SEC",
    "int",
    "14400",
    "An answered call is ended (limit) after this long.",
    { min: 60 },
  ),
  iceServers: field(
    "ICE_SERVERS",
    "string",
    "",
    'STUN/TURN servers published to callers: a JSON array of RTCIceServer (`[{"urls":["turn:turn.example:3478"]}]`) or a comma list of URLs; empty: host candidates only.',
  ),
  turnSecret: field(
    "TURN_SECRET",
    "string",
    "",
    "coturn `static-auth-secret`: when set, every turn:/turns: server without credentials gets per-user credentials (TURN REST scheme).",
    { secret: true },
  ),
  turnTtlSec: field(
    "TURN_TTL_SEC",
    "int",
    "3600",
    "Lifetime of minted TURN credentials.",
    { min: 60 },
  ),
  presenceVisibility: field(
    "PRESENCE_VISIBILITY",
    "string",
    "shared",
    "Whose presence a user may watch: `shared` (their friends and users who share a conversation with them, not blocked either way) or `everyone` (not blocked).",
    { pattern: /^(shared|everyone)$/ },
  ),
  presenceSubTtlSec: field(
    "PRESENCE_SUB_TTL_SEC",
    "int",
    "120",
    "A presence subscription lasts this long unless renewed (the SDK renews at half of it).",
    { min: 10 },
  ),
  typingExpiresMs: field(
    "TYPING_EXPIRES_MS",
    "int",
    "6000",
    "Receivers treat a typing signal as stopped after this long unless another comes.",
    { min: 1000 },
  ),
  typingMinIntervalMs: field(
    "TYPING_MIN_INTERVAL_MS",
    "int",
    "1000",
    "Per connection and conversation: typing starts closer together than this are refused (RATE_LIMITED).",
    { min: 0 },
  ),
} as const satisfies Record<string, FieldSpec>;
