/** Connections: heartbeats, limits at the door, routes. */
import { field, type FieldSpec } from "../spec.ts";

export const connectionFields = {
  heartbeatSec: field(
    "HEARTBEAT_SEC",
    "int",
    "25",
    "Client heartbeat interval announced in `hello`.",
    {
      min: 1,
    },
  ),
  idleTimeoutSec: field(
    "IDLE_TIMEOUT_SEC",
    "int",
    "75",
    "A connection silent this long is closed (about 3 missed heartbeats).",
    { min: 2 },
  ),
  maxFrameBytes: field(
    "MAX_FRAME_BYTES",
    "int",
    "65536",
    "Largest inbound frame; larger closes 1009.",
    {
      min: 1024,
    },
  ),
  rateLimitPerSec: field(
    "RATE_LIMIT_PER_SEC",
    "int",
    "50",
    "Sustained frames per second per connection.",
    {
      min: 1,
    },
  ),
  rateLimitBurst: field(
    "RATE_LIMIT_BURST",
    "int",
    "100",
    "Burst of frames allowed per connection.",
    {
      min: 1,
    },
  ),
  rateLimitAbuse: field(
    "RATE_LIMIT_ABUSE",
    "int",
    "200",
    "Rejected frames within 10 s after which the connection is closed 4102.",
    { min: 1 },
  ),
  maxDevicesPerUser: field(
    "MAX_DEVICES_PER_USER",
    "int",
    "10",
    "Devices of one user connected at once; one more is refused 429. With the per-connection rate this bounds a user's frame rate across gateways.",
    { min: 1 },
  ),
  maxConnsPerIp: field(
    "MAX_CONNS_PER_IP",
    "int",
    "1000",
    "WebSockets (open or being upgraded) from one client address per gateway, and connections it may hold before sending a request head; one more is refused 429 (0: no cap). IPv6 counts per /64. Behind a proxy every client shares its address: raise it or use 0.",
    { min: 0 },
  ),
  handshakeTimeoutMs: field(
    "HANDSHAKE_TIMEOUT_MS",
    "int",
    "10000",
    "Time a client has to send a complete request head (a WebSocket upgrade or an HTTP request); slower ones are answered 408 and closed.",
    { min: 100 },
  ),
  sendHighWaterBytes: field(
    "SEND_HIGH_WATER_BYTES",
    "int",
    "4194304",
    "Outbound bytes buffered for a socket before it is closed 4002 as a slow consumer.",
    { min: 65536 },
  ),
  routeTtlSec: field("ROUTE_TTL_SEC", "int", "30", "Device route lifetime unless refreshed.", {
    min: 3,
  }),
  gatewayTtlSec: field(
    "GATEWAY_TTL_SEC",
    "int",
    "3",
    "A gateway silent this long is no longer handed out to clients (it heartbeats every third of it).",
    {
      min: 2,
    },
  ),
} as const satisfies Record<string, FieldSpec>;
