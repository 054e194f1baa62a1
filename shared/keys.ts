/**
 * Every Redis key, stream and consumer group this system uses, with its retention. Keys that a
 * Lua script touches together share a hash tag ({p3}, {u42}) so they live in one Cluster slot.
 */

export const CONSUMER_GROUP = "workers";

/** Shards of the presence and call timer schedules (fixed: members are placed by hash). */
export const REALTIME_SHARDS = 8;

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
  /**
   * ZSET "<userId>|<gatewayId>|<connId>" -> expiry (ms): the connections watching a large
   * group's live feed, or present in a live room. Expired members are skipped and pruned; the
   * key expires with its last member.
   */
  watchers(conversationId: string): string {
    return `${this.prefix}{${conversationId}}:watch`;
  }
  /** A removed member may not watch the group again until this expires (PX, one watch TTL). */
  unwatched(conversationId: string, userId: string): string {
    return `${this.prefix}{${conversationId}}:gone:${userId}`;
  }
  /** Frames a user sent in one rate-limit window (all gateways add to it); PX two windows. */
  userFrames(userId: string, window: number): string {
    return `${this.prefix}{u${userId}}:frames:${window}`;
  }
  /** Marks a banned user ("1"); no expiry: set and removed by the admin API with the MySQL row. */
  bannedUser(userId: string): string {
    return `${this.prefix}{u${userId}}:banned`;
  }
  /** Marks a revoked session (refresh family); PX access-token TTL, checked before every upgrade. */
  revokedSession(sessionId: string): string {
    return `${this.prefix}revoked:${sessionId}`;
  }

  /** HASH presence of a user: on (0/1), since, seen (ms), ver; PX 30 days after its last change. */
  presence(userId: string): string {
    return `${this.prefix}{u${userId}}:presence`;
  }
  /** HASH "<gatewayId>|<connId>" -> "<viewerId>|<expiresAtMs>": connections watching the user; PX sub TTL. */
  presenceSubs(userId: string): string {
    return `${this.prefix}{u${userId}}:psubs`;
  }
  /**
   * ZSET "<userId>|<deviceId>|<connId>" -> due ms: connections to look at (now, after a connect or
   * disconnect; at the route's expiry, to notice a dead gateway). Shard by user.
   */
  presenceDue(shard: number): string {
    return `${this.prefix}{ps${shard}}:due`;
  }
  /** The worker working presence shard n now: "<workerId>", PX a few seconds. */
  presenceLock(shard: number): string {
    return `${this.prefix}{ps${shard}}:lock`;
  }
  /** HASH state of one call (see workers/domains/calls/store.ts); PX ring, call or 1 h after its end. */
  call(callId: string): string {
    return `${this.prefix}{call:${callId}}`;
  }
  /** STRING the call a user is in (busy line): callId; PX like the call, removed at its end. */
  callLine(userId: string): string {
    return `${this.prefix}{u${userId}}:call`;
  }
  /** ZSET "<kind>|<callId>|<userId>|<deviceId>" -> due ms: ring timeouts, drop grace, limits, records. */
  callDue(shard: number): string {
    return `${this.prefix}{cs${shard}}:due`;
  }
  /** The worker working call-timer shard n now: "<workerId>", PX a few seconds. */
  callLock(shard: number): string {
    return `${this.prefix}{cs${shard}}:lock`;
  }
}
