/**
 * Every Redis key, stream and consumer group this system uses, with its retention. Keys that a
 * Lua script touches together share a hash tag ({p3}, {u42}) so they live in one Cluster slot.
 */

export const CONSUMER_GROUP = "workers";

export class Keys {
  constructor(readonly prefix: string) {}

  /** Partition stream p: client envelopes. Trimmed by its owner below the oldest pending entry. */
  partition(p: number): string {
    return `${this.prefix}{p${p}}:in`;
  }
  /** The read lane: sync, history and other queries, served by any worker (consumer group). */
  reads(): string {
    return `${this.prefix}{reads}:in`;
  }
  /** The ephemeral lane: frames never stored (typing...), read without acks; MAXLEN-capped. */
  ephemeral(): string {
    return `${this.prefix}{eph}:in`;
  }
  /** Lease of partition p: "<workerId>:<fence>", PX lease TTL. */
  partitionLease(p: number): string {
    return `${this.prefix}{p${p}}:lease`;
  }
  /** Monotonic fencing counter of partition p (never expires). */
  partitionFence(p: number): string {
    return `${this.prefix}{p${p}}:fence`;
  }
  /** ZSET of re-push attempts owned by partition p: "<user>|<device>|<conv>|<seq>|<msgId>|<attempt>" -> due ms. */
  retrySchedule(p: number): string {
    return `${this.prefix}{p${p}}:retry`;
  }
  /** HASH "<deviceId>|<conversationId>" -> highest seq the device acked as delivered; 7-day TTL. */
  deviceAcks(userId: string): string {
    return `${this.prefix}{u${userId}}:acks`;
  }
  /** Dead letters of all partitions, capped (MAXLEN ~ 100000). */
  deadLetters(): string {
    return `${this.prefix}dlq`;
  }
  /** Result stream of one gateway; capped (RESULT_STREAM_MAXLEN) and expires 10 min after its last write. */
  gateway(gatewayId: string): string {
    return `${this.prefix}gw:${gatewayId}`;
  }
  /** ZSET gatewayId -> last heartbeat (ms). Entries older than the gateway TTL are ignored and pruned. */
  gatewayRegistry(): string {
    return `${this.prefix}gateways`;
  }
  /** HASH gatewayId -> JSON {url, conns}. Pruned with the registry. */
  gatewayInfo(): string {
    return `${this.prefix}gateways:info`;
  }
  /** ZSET workerId -> last heartbeat (ms): the live workers that partitions are spread over. */
  workerRegistry(): string {
    return `${this.prefix}workers`;
  }
  /** Snowflake worker-id lease n (0..1023): "<owner>:<fence>", PX lease TTL. */
  snowflakeLease(n: number): string {
    return `${this.prefix}{sf${n}}:lease`;
  }
  /** Fencing counter of snowflake worker id n (never expires). */
  snowflakeFence(n: number): string {
    return `${this.prefix}{sf${n}}:fence`;
  }
  /** HASH deviceId -> "<gatewayId>|<connId>|<expiresAtMs>"; key PX route TTL, refreshed by heartbeats. */
  routes(userId: string): string {
    return `${this.prefix}{u${userId}}:routes`;
  }
  /** Login failures for a username / an IP in the current window (PX window). */
  loginFailures(kind: "user" | "ip", value: string): string {
    return `${this.prefix}lf:${kind}:${value}`;
  }
  /** Registrations from an IP (or IPv6 /64) in the current login window (PX window). */
  registrations(ipBucket: string): string {
    return `${this.prefix}reg:ip:${ipBucket}`;
  }
  /** Marks a revoked session (refresh family); PX access-token TTL, checked before every upgrade. */
  revokedSession(sessionId: string): string {
    return `${this.prefix}revoked:${sessionId}`;
  }
}
