/**
 * Publishes a committed batch: resolves users to device routes, writes one result entry per
 * gateway (lines of "<connId>[,<connId>] <frame JSON>"), and acks the stream entries, all in one
 * pipelined round trip after the route lookup. Acking only here keeps "ack after commit".
 */
import type { Redis, RouteStore } from "@im/shared/redis";
import { CONSUMER_GROUP, type Keys } from "@im/shared/keys";
import type { Outbox } from "./outbox.ts";

export class Publisher {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
    private readonly routes: RouteStore,
    private readonly maxLen: number,
  ) {}

  /** Returns the number of socket deliveries written. */
  async publish(outbox: Outbox, ack?: { stream: string; ids: string[] }): Promise<number> {
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
    if (outbox.users.length) {
      const routes = await this.routes.lookup(outbox.users.map((u) => u.userId));
      for (const u of outbox.users) {
        const byGateway = new Map<string, string[]>();
        for (const r of routes.get(u.userId) ?? []) {
          if (r.connId === u.exceptConnId) continue;
          const conns = byGateway.get(r.gatewayId);
          if (conns) conns.push(r.connId);
          else byGateway.set(r.gatewayId, [r.connId]);
        }
        for (const [gw, conns] of byGateway) {
          add(gw, `${conns.join(",")} ${u.frame}`);
          deliveries += conns.length;
        }
      }
    }
    const pipe = this.redis.pipeline();
    for (const [gw, l] of lines) {
      const key = this.keys.gateway(gw);
      pipe.xadd(key, "MAXLEN", "~", this.maxLen, "*", "d", l.join("\n"));
      pipe.pexpire(key, 600_000);
    }
    if (ack?.ids.length) pipe.xack(ack.stream, CONSUMER_GROUP, ...ack.ids);
    if (pipe.length) {
      const res = await pipe.exec();
      const failed = res?.find(([err]) => err);
      if (failed) throw failed[0];
    }
    return deliveries;
  }
}
