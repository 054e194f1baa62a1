/**
 * Publishes a committed batch: resolves users to device routes, writes one result entry per
 * gateway (see shared/wire/results.ts), schedules re-pushes for deliveries that need a device
 * ack, and acks the stream entries, all in one pipelined round trip after the route lookup.
 * Acking only here keeps "ack after commit".
 */
import { isCluster, pipeline, type Redis, type Route, type RouteStore } from "@im/shared/redis";
import { CONSUMER_GROUP, type Keys } from "@im/shared/keys";
import { deliverLine, encodeRepush, encodeResultFields } from "@im/shared/wire";
import type { Outbox } from "./outbox.ts";
import { Watchers } from "./watchers.ts";

// KEYS[1] device-acks hash. ARGV[1] "<deviceId>|<conversationId>", ARGV[2] seq.
// Raises the cursor (never lowers it) and keeps the hash for 7 days after its last change.
const RAISE_ACK = `
local cur = tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '0')
if tonumber(ARGV[2]) > cur then redis.call('HSET', KEYS[1], ARGV[1], ARGV[2]) end
redis.call('PEXPIRE', KEYS[1], 604800000)
return 1`;

/** Stream entries to ack once the publish is written. */
export interface AckSet {
  stream: string;
  ids: string[];
}

/** What a gateway's entry of one publish holds: its lines and their trace contexts. */
interface GatewayLines {
  lines: string[];
  traces: Array<string | undefined> | null;
}

export class Publisher {
  readonly #watchers: Watchers;
  /** Called with the codes of the error frames each publish wrote (metrics). */
  onErrors: (codes: number[]) => void = () => {};

  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
    private readonly routes: RouteStore,
    private readonly maxLen: number,
    /** Re-push delays (ms); the first is scheduled with each delivery that needs an ack. */
    private readonly retryDelaysMs: number[] = [],
    private readonly now: () => number = Date.now,
  ) {
    this.#watchers = new Watchers(redis, keys, now);
  }

  /**
   * Starts looking up the routes an outbox's deliveries need, so the lookup overlaps the
   * transaction's commit (issue 10); publish() takes the result. Null when it needs none.
   */
  prefetch(outbox: Outbox): Promise<Map<string, Route[]>> | null {
    if (!outbox.users.length) return null;
    const p = this.routes.lookup(usersOf(outbox));
    p.catch(() => {}); // a failure is publish()'s to report
    return p;
  }

  /**
   * Returns the number of socket deliveries written. `routes`: a prefetch() of this outbox
   * (looked up now when absent).
   */
  async publish(
    outbox: Outbox,
    acks: AckSet[] = [],
    routes: Promise<Map<string, Route[]>> | null = null,
  ): Promise<number> {
    const lines = new Map<string, GatewayLines>();
    const add = (gw: string, line: string, traceparent?: string) => {
      let g = lines.get(gw);
      if (!g) lines.set(gw, g = { lines: [], traces: null });
      // Trace contexts are kept only once some line of the entry has one.
      if (traceparent && !g.traces) g.traces = g.lines.map(() => undefined);
      g.lines.push(line);
      g.traces?.push(traceparent);
    };
    let deliveries = 0;
    // Runs of one frame to many connections (presence watchers) become one line per gateway:
    // only consecutive entries to different connections merge, so each connection's frames keep
    // their order and count.
    const runs = new Map<
      string,
      { frame: string; connIds: string[]; seen: Set<string>; traceparent?: string }
    >();
    const flush = (gw: string) => {
      const r = runs.get(gw);
      if (r) add(gw, deliverLine(r.connIds, r.frame), r.traceparent);
      runs.delete(gw);
    };
    for (const c of outbox.conns) {
      const r = runs.get(c.gatewayId);
      if (r && r.frame === c.frame && r.traceparent === c.traceparent && !r.seen.has(c.connId)) {
        r.connIds.push(c.connId);
        r.seen.add(c.connId);
      } else {
        flush(c.gatewayId);
        runs.set(c.gatewayId, {
          frame: c.frame,
          connIds: [c.connId],
          seen: new Set([c.connId]),
          traceparent: c.traceparent,
        });
      }
      deliveries++;
    }
    for (const gw of [...runs.keys()]) flush(gw);
    const emit = (frame: string, reached: Route[], traceparent?: string) => {
      const byGateway = new Map<string, string[]>();
      for (const r of reached) {
        const conns = byGateway.get(r.gatewayId);
        if (conns) conns.push(r.connId);
        else byGateway.set(r.gatewayId, [r.connId]);
      }
      for (const [gw, conns] of byGateway) add(gw, deliverLine(conns, frame), traceparent);
      deliveries += reached.length;
    };
    if (outbox.watchOps.length || outbox.watchers.length) {
      // Large groups and live rooms: only the connections watching now (see watchers.ts).
      const reached = await this.#watchers.resolve(outbox.watchOps, outbox.watchers);
      for (const r of reached) emit(r.frame, r.routes);
    }
    const retries = new Map<number, Array<number | string>>(); // partition -> ZADD args
    if (outbox.users.length) {
      const found = await (routes ?? this.routes.lookup(usersOf(outbox)));
      for (const u of outbox.users) {
        let othersReached = 0;
        const reached: Array<Route & { userId: string }> = [];
        for (const userId of u.userIds) {
          for (const r of found.get(userId) ?? []) {
            if (r.connId === u.exceptConnId) continue;
            reached.push({ ...r, userId });
            if (userId !== u.ifNoneReached?.userId) othersReached++;
          }
        }
        emit(u.frame, reached, u.traceparent);
        if (u.retry && this.retryDelaysMs.length) {
          const { conversationId, seq, msgId, partition } = u.retry;
          const args = retries.get(partition) ?? [];
          const due = this.now() + this.retryDelaysMs[0];
          for (const r of reached) {
            const member = { userId: r.userId, deviceId: r.deviceId, conversationId, seq, msgId };
            args.push(due, encodeRepush({ ...member, attempt: 0 }));
          }
          retries.set(partition, args);
        }
        if (u.ifNoneReached && othersReached === 0) {
          emit(u.ifNoneReached.frame, found.get(u.ifNoneReached.userId) ?? [], u.traceparent);
        }
      }
    }
    const pipe = pipeline(this.redis);
    for (const [gw, g] of lines) {
      const key = this.keys.gateway(gw);
      pipe.xadd(
        key,
        "MAXLEN",
        "~",
        this.maxLen,
        "*",
        ...encodeResultFields(g.lines, g.traces ?? []),
      );
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
    // On one node the acks ride in the same pipeline, after the deliveries on the same
    // connection. A Cluster runs each node's part side by side, so there the acks wait for
    // every delivery to land: an entry is never acked while its push or re-push is lost.
    const ackPipe = isCluster(this.redis) ? pipeline(this.redis) : pipe;
    for (const a of acks) if (a.ids.length) ackPipe.xack(a.stream, CONSUMER_GROUP, ...a.ids);
    for (const p of ackPipe === pipe ? [pipe] : [pipe, ackPipe]) {
      if (!p.length) continue;
      const res = await p.exec();
      const failed = res?.find(([err]) => err);
      if (failed) throw failed[0];
    }
    if (outbox.errorCodes.length) this.onErrors(outbox.errorCodes);
    return deliveries;
  }
}

/** Every user an outbox delivers to (and the senders told when no one was reached). */
function usersOf(outbox: Outbox): string[] {
  return outbox.users.flatMap((u) =>
    u.ifNoneReached ? [...u.userIds, u.ifNoneReached.userId] : u.userIds
  );
}
