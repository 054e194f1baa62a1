/**
 * Publishes a committed batch: resolves users to device routes, writes one result entry per
 * gateway (lines of "<connId>[,<connId>] <frame JSON>"), schedules re-pushes for deliveries
 * that need a device ack, and acks the stream entries, all in one pipelined round trip after the
 * route lookup. Acking only here keeps "ack after commit".
 */
import type { Redis, Route, RouteStore } from "@im/shared/redis";
import { CONSUMER_GROUP, type Keys } from "@im/shared/keys";
import type { Outbox, UserEmit } from "./outbox.ts";

// KEYS[1] device-acks hash. ARGV[1] "<deviceId>|<conversationId>", ARGV[2] seq.
// Raises the cursor (never lowers it) and keeps the hash for 7 days after its last change.
const RAISE_ACK = `
local cur = tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '0')
if tonumber(ARGV[2]) > cur then redis.call('HSET', KEYS[1], ARGV[1], ARGV[2]) end
redis.call('PEXPIRE', KEYS[1], 604800000)
return 1`;

export class Publisher {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
    private readonly routes: RouteStore,
    private readonly maxLen: number,
    /** Re-push delays (ms); the first is scheduled with each delivery that needs an ack. */
    private readonly retryDelaysMs: number[] = [],
    private readonly now: () => number = Date.now,
  ) {}

  /** Returns the number of socket deliveries written. */
  async publish(
    outbox: Outbox,
    acks: Array<{ stream: string; ids: string[] }> = [],
  ): Promise<number> {
    const lines = new Map<string, string[]>(); // gatewayId -> lines
    const add = (gw: string, line: string) => {
      const l = lines.get(gw);
      if (l) l.push(line);
      else lines.set(gw, [line]);
    };
    let deliveries = 0;
    for (const c of outbox.conns) {
      add(c.gatewayId, `${c.connId} ${c.frame}`);
      deliveries++;
    }
    const retries = new Map<number, Array<number | string>>(); // partition -> ZADD args
    if (outbox.users.length) {
      const routes = await this.routes.lookup(
        outbox.users.flatMap((u) => u.ifOffline ? [u.userId, u.ifOffline.userId] : [u.userId]),
      );
      const emit = (u: Pick<UserEmit, "userId" | "frame" | "exceptConnId">, reached: Route[]) => {
        const byGateway = new Map<string, string[]>();
        for (const r of reached) {
          const conns = byGateway.get(r.gatewayId);
          if (conns) conns.push(r.connId);
          else byGateway.set(r.gatewayId, [r.connId]);
        }
        for (const [gw, conns] of byGateway) {
          add(gw, `${conns.join(",")} ${u.frame}`);
          deliveries += conns.length;
        }
      };
      for (const u of outbox.users) {
        const reached = (routes.get(u.userId) ?? []).filter((r) => r.connId !== u.exceptConnId);
        emit(u, reached);
        if (u.retry && this.retryDelaysMs.length) {
          const { conversationId, seq, msgId, partition } = u.retry;
          const args = retries.get(partition) ?? [];
          for (const r of reached) {
            args.push(
              this.now() + this.retryDelaysMs[0],
              `${u.userId}|${r.deviceId}|${conversationId}|${seq}|${msgId}|0`,
            );
          }
          retries.set(partition, args);
        }
        if (u.ifOffline && reached.length === 0) {
          emit(u.ifOffline, routes.get(u.ifOffline.userId) ?? []);
        }
      }
    }
    const pipe = this.redis.pipeline();
    for (const [gw, l] of lines) {
      const key = this.keys.gateway(gw);
      pipe.xadd(key, "MAXLEN", "~", this.maxLen, "*", "d", l.join("\n"));
      pipe.pexpire(key, 600_000);
    }
    for (const a of outbox.deviceAcks) {
      pipe.eval(
        RAISE_ACK,
        1,
        this.keys.deviceAcks(a.userId),
        `${a.deviceId}|${a.conversationId}`,
        a.seq,
      );
    }
    for (const [p, args] of retries) {
      if (args.length) pipe.zadd(this.keys.retrySchedule(p), ...args);
    }
    for (const a of acks) if (a.ids.length) pipe.xack(a.stream, CONSUMER_GROUP, ...a.ids);
    if (pipe.length) {
      const res = await pipe.exec();
      const failed = res?.find(([err]) => err);
      if (failed) throw failed[0];
    }
    return deliveries;
  }
}
