/**
 * Turns a parsed business frame into the internal envelope (identity from the connection only)
 * and appends it to the stream its lane and key choose (shared/routing.ts).
 */
import type { Keys } from "@im/shared/keys";
import type { BusinessFrame } from "@im/protocol";
import type { Redis } from "@im/shared/redis";
import { targetOf } from "@im/shared/routing";
import { encodeEnvelope, type Envelope, ENVELOPE_FIELD } from "@im/shared/wire";
import type { Conn } from "./ws/conn.ts";

/** The ephemeral stream is read without acks: only its recent past is worth keeping. */
const EPHEMERAL_MAXLEN = 10_000;

export class Ingest {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
    private readonly partitions: number,
    private readonly gatewayId: string,
  ) {}

  /** `receivedAt`: when the frame arrived (epoch ms); default now. */
  async submit(
    conn: Conn,
    frame: BusinessFrame,
    traceparent?: string,
    receivedAt = Date.now(),
  ): Promise<void> {
    const env: Envelope = {
      frame,
      userId: conn.userId,
      deviceId: conn.deviceId,
      connId: conn.connId,
      gatewayId: this.gatewayId,
      receivedAt,
      ...(traceparent ? { traceparent } : {}),
    };
    const target = targetOf(frame, conn.userId, this.keys, this.partitions);
    const cap = target.lane === "ephemeral" ? ["MAXLEN", "~", EPHEMERAL_MAXLEN] as const : [];
    await this.redis.xadd(target.stream, ...cap, "*", ENVELOPE_FIELD, encodeEnvelope(env));
  }
}
