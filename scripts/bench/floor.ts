/**
 * The floor: the Redis and MySQL operations the real path performs per message, batched the way
 * the worker batches, with no gateway or worker logic (no WebSocket, schema parsing, rate limits,
 * kysely, handlers, leases or metrics). Its throughput is what the stores allow on this machine,
 * and the real path is reported as a fraction of it.
 *
 * Two sides, in two processes like gateway and worker:
 * - `FloorTransport` (inside a load process, in place of sockets): per message one XADD of an
 *   envelope to the conversation's partition stream; reads its result stream (XREAD BLOCK) and
 *   hands each line to the virtual connection it names.
 * - the consumer (`deno run -A scripts/bench/floor.ts`): XREADGROUP COUNT <batch> over all
 *   partitions; per partition batch one transaction with the fence upsert + SELECT FOR UPDATE,
 *   the users check, the dedup SELECT, the head SELECT FOR UPDATE, the head upsert, the member
 *   INSERT IGNORE and the message INSERT; after commit one pipelined HGETALL per user, then one
 *   pipelined XADD + PEXPIRE per gateway and XACK.
 */
import { Redis } from "ioredis";
import { createPool } from "mysql2";
import { CONSUMER_GROUP, Keys } from "@im/shared/keys";
import { directConversationId, parseConversationId } from "@im/protocol";
import { partitionOf } from "@im/shared/partition";
import type { BenchSocket, ClientOptions } from "./ws_client.ts";

export interface FloorConn {
  userId: string;
  partner: string;
  deviceId: string;
  connId: string;
}

/** Stands in for the gateway: envelopes in, result lines out, one virtual socket per conn. */
export class FloorTransport {
  readonly redis: Redis;
  readonly reader: Redis;
  readonly keys: Keys;
  readonly gatewayId: string;
  #handlers = new Map<string, ClientOptions>();
  #abort = new AbortController();

  constructor(redisUrl: string, prefix: string, private readonly partitions: number, proc: number) {
    this.redis = new Redis(redisUrl, { enableAutoPipelining: true });
    this.reader = new Redis(redisUrl, { maxRetriesPerRequest: null });
    this.keys = new Keys(prefix);
    this.gatewayId = `floor-${proc}`;
    this.#read();
  }

  async open(c: FloorConn, o: ClientOptions): Promise<BenchSocket> {
    const key = this.keys.routes(c.userId);
    await this.redis.hset(key, c.deviceId, `${this.gatewayId}|${c.connId}|${Date.now() + 3.6e6}`);
    await this.redis.pexpire(key, 3_600_000);
    this.#handlers.set(c.connId, o);
    const stream = this.keys.partition(
      partitionOf(directConversationId(c.userId, c.partner), this.partitions),
    );
    const head = `{"userId":"${c.userId}","deviceId":"${c.deviceId}","connId":"${c.connId}",` +
      `"gatewayId":"${this.gatewayId}","receivedAt":`;
    let open = true;
    queueMicrotask(() => o.onText('{"type":"hello"}'));
    return {
      get open() {
        return open;
      },
      sendText: (text: string) => {
        // The gateway answers pings itself; only business frames cross the stream.
        if (text.startsWith('{"type":"ping"')) return o.onText('{"type":"pong"}');
        this.redis.xadd(stream, "*", "e", `${head}${Date.now()},"frame":${text}}`).catch(() => {});
      },
      close: () => {
        open = false;
      },
    };
  }

  async #read() {
    const stream = this.keys.gateway(this.gatewayId);
    let last = "0-0";
    while (!this.#abort.signal.aborted) {
      try {
        const res = await this.reader.xread("COUNT", 500, "BLOCK", 1000, "STREAMS", stream, last);
        if (!res) continue;
        for (const [, entries] of res) {
          for (const [id, fields] of entries) {
            last = id;
            for (const line of fields[1].split("\n")) {
              const sp = line.indexOf(" ");
              const frame = line.slice(sp + 1);
              for (const connId of line.slice(0, sp).split(",")) {
                this.#handlers.get(connId)?.onText(frame);
              }
            }
          }
        }
      } catch {
        if (this.#abort.signal.aborted) return;
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  }

  close() {
    this.#abort.abort();
    this.reader.disconnect();
    this.redis.disconnect();
  }
}

interface Env {
  frame: { id?: string; data: { to: string; clientMsgId: string; kind: string; body: string } };
  userId: string;
  deviceId: string;
  connId: string;
  gatewayId: string;
}

/** The consumer side: runs until SIGTERM. */
export async function runFloorConsumer(o: {
  redisUrl: string;
  mysqlUrl: string;
  prefix: string;
  partitions: number;
  batchSize: number;
  merge: boolean;
}) {
  const keys = new Keys(o.prefix);
  const redis = new Redis(o.redisUrl, { enableAutoPipelining: true });
  const reader = new Redis(o.redisUrl, { maxRetriesPerRequest: null });
  const pool = createPool({
    uri: o.mysqlUrl,
    connectionLimit: 10,
    supportBigNumbers: true,
    bigNumberStrings: true,
    charset: "utf8mb4_unicode_ci",
  }).promise();
  const streams = Array.from({ length: o.partitions }, (_, p) => keys.partition(p));
  const setup = redis.pipeline();
  for (const s of streams) setup.xgroup("CREATE", s, CONSUMER_GROUP, "0", "MKSTREAM");
  await setup.exec();
  let nextId = BigInt(Date.now()) << 22n;
  let stop = false;
  let deadlocks = 0;
  Deno.addSignalListener("SIGTERM", () => stop = true);

  /** One transaction for these partitions' entries (the worker runs one per partition). */
  const batch = async (groups: Array<[p: number, raw: Array<[string, string[]]>]>) => {
    const ps = groups.map(([p]) => p);
    const entries = groups.flatMap(([, raw]) =>
      raw.map(([id, f]) => ({ id, env: JSON.parse(f[1]) as Env }))
    );
    const now = Date.now();
    const conn = await pool.getConnection();
    const results: Array<[Env, string, number, string]> = [];
    try {
      await conn.query("BEGIN");
      await conn.query(
        "INSERT INTO partition_fences (partition_id, fence) VALUES ? " +
          "ON DUPLICATE KEY UPDATE fence = GREATEST(fence, VALUES(fence))",
        [ps.map((p) => [p, 1])],
      );
      await conn.query(
        "SELECT partition_id, fence FROM partition_fences WHERE partition_id IN (?) FOR UPDATE",
        [ps],
      );
      await conn.query("SELECT id FROM users WHERE id IN (?)", [
        [...new Set(entries.map((e) => e.env.frame.data.to))],
      ]);
      await conn.query("SELECT * FROM messages WHERE sender_id IN (?) AND client_msg_id IN (?)", [
        [...new Set(entries.map((e) => e.env.userId))],
        entries.map((e) => e.env.frame.data.clientMsgId),
      ]);
      const membersOf = (c: string) => {
        const p = parseConversationId(c);
        return p?.kind === "direct" ? p.members : [];
      };
      const convOf = (e: Env) => directConversationId(e.userId, e.frame.data.to);
      const convs = [...new Set(entries.map((e) => convOf(e.env)))];
      const [rows] = await conn.query(
        "SELECT id, last_seq FROM conversations WHERE id IN (?) FOR UPDATE",
        [convs],
      ) as unknown as [Array<{ id: string; last_seq: number }>];
      const heads = new Map(rows.map((r) => [r.id, Number(r.last_seq)]));
      const fresh = convs.filter((c) => !heads.has(c));
      const msgs = entries.map(({ id, env }) => {
        const c = convOf(env);
        const seq = (heads.get(c) ?? 0) + 1;
        heads.set(c, seq);
        const msgId = String(nextId++);
        results.push([env, msgId, seq, c]);
        const d = env.frame.data;
        return [msgId, c, seq, env.userId, d.clientMsgId, d.kind, d.body, now, id];
      });
      const last = new Map(results.map(([, msgId, seq, c]) => [c, [c, "direct", seq, msgId]]));
      await conn.query(
        "INSERT INTO conversations (id, kind, last_seq, last_msg_id, created_at, updated_at) " +
          "VALUES ? ON DUPLICATE KEY UPDATE last_seq = VALUES(last_seq), " +
          "last_msg_id = VALUES(last_msg_id), updated_at = VALUES(updated_at)",
        [[...last.values()].map((h) => [...h, now, now])],
      );
      if (fresh.length) {
        await conn.query(
          "INSERT IGNORE INTO conversation_members (conversation_id, user_id, joined_at) VALUES ?",
          [fresh.flatMap((c) => membersOf(c).map((u) => [c, u, now]))],
        );
      }
      await conn.query(
        "INSERT INTO messages (msg_id, conversation_id, seq, sender_id, client_msg_id, kind, " +
          "body, created_at, source_entry) VALUES ?",
        [msgs],
      );
      await conn.query("COMMIT");
    } catch (err) {
      await conn.query("ROLLBACK").catch(() => {});
      throw err;
    } finally {
      conn.release();
    }
    // Routes of every user a frame goes to (receiver and the sender's other devices).
    const users = [...new Set(results.flatMap(([env]) => [env.frame.data.to, env.userId]))];
    const rp = redis.pipeline();
    for (const u of users) rp.hgetall(keys.routes(u));
    const routeRes = (await rp.exec()) ?? [];
    const routes = new Map(users.map((u, i) => [u, routeRes[i][1] as Record<string, string>]));
    const lines = new Map<string, string[]>();
    const add = (gw: string, line: string) => {
      const l = lines.get(gw);
      if (l) l.push(line);
      else lines.set(gw, [line]);
    };
    for (const [env, msgId, seq, c] of results) {
      const d = env.frame.data;
      add(
        env.gatewayId,
        `${env.connId} {"type":"msg.sent","data":{"clientMsgId":"${d.clientMsgId}",` +
          `"msgId":"${msgId}","seq":${seq},"conversationId":"${c}","serverTime":${now}}}`,
      );
      const frame = `{"type":"msg.new","data":{"msgId":"${msgId}","conversationId":"${c}",` +
        `"seq":${seq},"from":"${env.userId}","to":"${d.to}","clientMsgId":"${d.clientMsgId}",` +
        `"kind":"text","body":${JSON.stringify(d.body)},"serverTime":${now}}}`;
      for (const [u, except] of [[d.to, ""], [env.userId, env.connId]]) {
        const byGw = new Map<string, string[]>();
        for (const v of Object.values(routes.get(u) ?? {})) {
          const [gw, connId] = v.split("|");
          if (connId === except) continue;
          byGw.set(gw, [...(byGw.get(gw) ?? []), connId]);
        }
        for (const [gw, ids] of byGw) add(gw, `${ids.join(",")} ${frame}`);
      }
    }
    const pipe = redis.pipeline();
    for (const [gw, l] of lines) {
      pipe.xadd(keys.gateway(gw), "MAXLEN", "~", 10000, "*", "d", l.join("\n"));
      pipe.pexpire(keys.gateway(gw), 600_000);
    }
    for (const [p, raw] of groups) pipe.xack(streams[p], CONSUMER_GROUP, ...raw.map(([id]) => id));
    await pipe.exec();
  };

  while (!stop) {
    const res = await reader.xreadgroup(
      "GROUP",
      CONSUMER_GROUP,
      "floor",
      "COUNT",
      o.batchSize,
      "BLOCK",
      500,
      "STREAMS",
      ...streams,
      ...streams.map(() => ">"),
    ) as Array<[string, Array<[string, string[]]>]> | null;
    if (!res) continue;
    const groups = res.map(([key, raw]) => [streams.indexOf(key), raw] as [number, typeof raw]);
    // The worker's shape is one transaction per partition batch, all partitions concurrently;
    // FLOOR_MERGE=1 tries one transaction for everything one read returned.
    await Promise.all((o.merge ? [groups] : groups.map((g) => [g])).map(async (gs) => {
      // Like the worker, a deadlock (new conversations' gap locks) retries the batch.
      for (let attempt = 1;; attempt++) {
        try {
          return await batch(gs);
        } catch (err) {
          if (attempt >= 5 || !/Deadlock|Lock wait/.test(String(err))) throw err;
          deadlocks++;
          await new Promise((r) => setTimeout(r, 20 * attempt));
        }
      }
    }));
  }
  console.log(JSON.stringify({ deadlocks }));
  reader.disconnect();
  redis.disconnect();
  await pool.end();
  Deno.exit(0);
}

if (import.meta.main) {
  const env = (k: string, d: string) => Deno.env.get(k) ?? d;
  await runFloorConsumer({
    redisUrl: env("REDIS_URL", "redis://127.0.0.1:6379"),
    mysqlUrl: env("MYSQL_URL", ""),
    prefix: env("KEY_PREFIX", "im:"),
    partitions: Number(env("PARTITIONS", "16")),
    batchSize: Number(env("BATCH_SIZE", "200")),
    merge: env("FLOOR_MERGE", "0") === "1",
  });
}
