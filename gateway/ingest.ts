/**
 * Turns a parsed business frame into the internal envelope (identity from the connection only)
 * and appends it to the partition stream of its conversation.
 */
import type { Keys } from "@im/shared/keys";
import { directConversationId, partitionOf } from "@im/shared/partition";
import type { BusinessFrame, Envelope } from "@im/shared/protocol";
import type { Redis } from "@im/shared/redis";
import type { Conn } from "./ws/conn.ts";

/** The conversation a frame belongs to decides its partition, so one conversation is ordered. */
export function conversationKey(frame: BusinessFrame, userId: string): string {
  switch (frame.type) {
    case "msg.send":
      return directConversationId(userId, frame.data.to);
    case "msg.delivered":
    case "msg.read":
    case "history":
      return frame.data.conversationId;
    case "msg.recall":
      // The conversation is not in the frame; the handler locks its head row, so any partition
      // may take it. Hashing the id keeps a recall and its retries on one partition.
      return `m:${frame.data.msgId}`;
    case "sync":
    case "ids.fetch":
      return `u:${userId}`;
  }
}

export class Ingest {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
    private readonly partitions: number,
    private readonly gatewayId: string,
  ) {}

  async submit(conn: Conn, frame: BusinessFrame, traceparent?: string): Promise<void> {
    const env: Envelope = {
      frame,
      userId: conn.userId,
      deviceId: conn.deviceId,
      connId: conn.connId,
      gatewayId: this.gatewayId,
      receivedAt: Date.now(),
      ...(traceparent ? { traceparent } : {}),
    };
    const p = partitionOf(conversationKey(frame, conn.userId), this.partitions);
    await this.redis.xadd(this.keys.partition(p), "*", "e", JSON.stringify(env));
  }
}
