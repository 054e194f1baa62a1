/**
 * Reliability under failure, bounded to a couple of minutes so CI runs it every time:
 * 20 clients on two gateways send 2,000 messages while workers are SIGKILLed at random moments
 * (and replaced), one gateway is SIGKILLed once, and Redis (a private one, AOF fsynced every
 * second, as compose runs it) is SIGKILLed and restarted once. Clients behave like the SDK:
 * resend unacked messages with the same clientMsgId, and after a reconnect resend what is
 * unacked in send order before anything new, then sync. The checker asserts the MISSION
 * guarantees, send order included, and prints what it saw.
 */
import assert from "node:assert/strict";
import { testEnv } from "@im/shared/testing";
import { envFor, type Proc, signUp, spawn } from "./testing/cluster.ts";
import { privateRedis } from "./testing/redis.ts";

const CLIENTS = 20;
const MESSAGES = 2000;
const RESEND_MS = 3000;

// deno-lint-ignore no-explicit-any
type Frame = { type: string; id?: string; data: any };

interface Sent {
  to: string;
  index: number;
  sentAt: number;
  resent: number;
  ack?: { msgId: string; seq: number; conversationId: string };
}

class Client {
  ws: WebSocket | null = null;
  readonly sent = new Map<string, Sent>();
  /** conversationId -> seq -> msgId, as received (push or sync). */
  readonly got = new Map<string, Map<number, string>>();
  rawDeliveries = 0;
  reconnects = 0;
  #replies = new Map<string, (f: Frame) => void>();

  constructor(
    readonly name: string,
    readonly userId: string,
    readonly token: string,
    public url: string,
  ) {}

  /** Set on `hello`: like the SDK, nothing is sent before it (resends go first, in order). */
  ready = false;

  connect(): Promise<void> {
    this.ready = false;
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(this.url, ["im.v1", `bearer.${this.token}`]);
      ws.onmessage = (e) => {
        const f = JSON.parse(e.data) as Frame;
        if (f.type === "hello") {
          this.ready = true;
          return resolve();
        }
        this.#onFrame(f);
      };
      ws.onerror = () => reject(new Error(`${this.name}: connect to ${this.url} failed`));
      this.ws = ws;
    });
  }

  #onFrame(f: Frame) {
    if (f.id && this.#replies.has(f.id)) {
      this.#replies.get(f.id)!(f);
      this.#replies.delete(f.id);
      return;
    }
    if (f.type === "msg.sent") {
      const s = this.sent.get(f.data.clientMsgId);
      if (s && !s.ack) {
        s.ack = { msgId: f.data.msgId, seq: f.data.seq, conversationId: f.data.conversationId };
      }
    } else if (f.type === "msg.new") {
      this.rawDeliveries++;
      this.#record(f.data.conversationId, f.data.seq, f.data.msgId);
      this.ws?.send(
        JSON.stringify({
          type: "msg.delivered",
          data: { conversationId: f.data.conversationId, seq: f.data.seq },
        }),
      );
    }
  }

  #record(conv: string, seq: number, msgId: string) {
    const m = this.got.get(conv) ?? new Map<number, string>();
    const prev = m.get(seq);
    if (prev !== undefined && prev !== msgId) {
      throw new Error(`${conv} seq ${seq} named two messages`);
    }
    m.set(seq, msgId);
    this.got.set(conv, m);
  }

  get open() {
    return this.ready && this.ws?.readyState === WebSocket.OPEN;
  }

  /** After a reconnect: everything unacked, in send order, before anything new. */
  resendUnacked() {
    for (const [id, s] of [...this.sent].sort(([, a], [, b]) => a.index - b.index)) {
      if (s.sentAt && !s.ack) {
        s.resent++;
        this.send(id);
      }
    }
  }

  send(clientMsgId: string) {
    const s = this.sent.get(clientMsgId)!;
    s.sentAt = Date.now();
    if (this.open) {
      this.ws!.send(
        JSON.stringify({
          type: "msg.send",
          data: { to: s.to, clientMsgId, kind: "text", body: `#${s.index}` },
        }),
      );
    }
  }

  request(frame: { type: string; id: string; data: unknown }, ms = 10_000): Promise<Frame> {
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`${this.name}: ${frame.type} timed out`)), ms);
      this.#replies.set(frame.id, (f) => {
        clearTimeout(t);
        resolve(f);
      });
      this.ws!.send(JSON.stringify(frame));
    });
  }

  /** Pages through sync from the cursors it holds (highest contiguous seq per conversation). */
  async sync(): Promise<void> {
    for (let page = 0; page < 100; page++) {
      const cursors = [...this.got].map(([conversationId, m]) => {
        let seq = 0;
        while (m.has(seq + 1)) seq++;
        return { conversationId, seq };
      });
      const f = await this.request({
        type: "sync",
        id: `sync-${Date.now()}-${page}`,
        data: { cursors, limit: 500 },
      });
      if (f.type !== "sync.page") {
        throw new Error(`${this.name}: sync answered ${JSON.stringify(f)}`);
      }
      for (const c of f.data.conversations) {
        for (const m of c.messages) this.#record(c.conversationId, m.seq, m.msgId);
      }
      if (!f.data.more) return;
    }
  }
}

Deno.test({
  name:
    "reliability: 20 clients, 2,000 messages, workers SIGKILLed at random, a gateway killed once",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const redis = await privateRedis();
    const env = await testEnv({ partitions: 8, redisUrl: redis.url });
    const procs: Proc[] = [];
    const started = Date.now();
    try {
      const base = envFor(env, {
        LEASE_TTL_MS: "1500",
        BLOCK_MS: "300",
        RATE_LIMIT_PER_SEC: "2000",
        RATE_LIMIT_BURST: "2000",
        RETRY_SCHEDULE_SEC: "2,6,20",
        ROUTE_TTL_SEC: "6",
      });
      const gateways = [await spawn("gateway", base), await spawn("gateway", base)];
      procs.push(...gateways);
      let workers: Proc[] = [];
      for (let i = 0; i < 3; i++) workers.push(await spawn("worker", base));
      procs.push(...workers);

      const clients: Client[] = [];
      for (let i = 0; i < CLIENTS; i++) {
        const name = `rel_${i}`;
        const s = await signUp(gateways[0].port, name);
        const c = new Client(
          name,
          s.userId,
          s.accessToken,
          `ws://127.0.0.1:${gateways[i % 2].port}/ws`,
        );
        await c.connect();
        clients.push(c);
      }
      // Reconnect loop: a client whose socket closed goes to the surviving gateway and syncs.
      const live = () => gateways.filter((g) => !g.child.pid || !killedGateways.has(g.id));
      const killedGateways = new Set<string>();
      const keeper = setInterval(() => {
        for (const c of clients) {
          if (c.ws && c.ws.readyState === WebSocket.CLOSED) {
            c.ws = null;
            c.reconnects++;
            c.url = `ws://127.0.0.1:${live()[0].port}/ws`;
            c.connect().then(() => (c.resendUnacked(), c.sync())).catch(
              () => (c.ws = new WebSocket("ws://127.0.0.1:1")),
            );
          }
        }
      }, 200);

      // Plan the traffic: every client sends MESSAGES / CLIENTS messages to random others.
      let index = 0;
      for (const c of clients) {
        for (let k = 0; k < MESSAGES / CLIENTS; k++) {
          let to = clients[Math.floor(Math.random() * CLIENTS)];
          if (to === c) to = clients[(clients.indexOf(c) + 1) % CLIENTS];
          c.sent.set(`${c.name}-${k}`, { to: to.userId, index: index++, sentAt: 0, resent: 0 });
        }
      }
      const order = clients.flatMap((c) => [...c.sent.keys()].map((id) => [c, id] as const))
        .sort((x, y) => Number(x[1].split("-")[1]) - Number(y[1].split("-")[1]));

      // Chaos: kill a random worker every ~700 ms (replace it), kill gateway 2 once, mid-run.
      let workerKills = 0;
      let chaos = true;
      const chaosLoop = (async () => {
        while (chaos) {
          await new Promise((r) => setTimeout(r, 400 + Math.random() * 600));
          if (!chaos) break;
          const victim = workers[Math.floor(Math.random() * workers.length)];
          await victim.kill("SIGKILL");
          workerKills++;
          // A replacement started while this test has Redis down exits at once (it cannot
          // start without its stores): start another, as an orchestrator would.
          let fresh: Proc | null = null;
          for (let attempt = 0; !fresh; attempt++) {
            fresh = await spawn("worker", base).catch((err) => {
              if (attempt >= 20) throw err;
              return null;
            });
            if (!fresh) await new Promise((r) => setTimeout(r, 250));
          }
          workers = workers.filter((w) => w !== victim).concat(fresh);
          procs.push(fresh);
        }
      })();

      let redisKills = 0;
      for (let i = 0; i < order.length; i++) {
        const [c, id] = order[i];
        c.send(id);
        if (i === Math.floor(order.length / 4)) {
          // Appends Redis acknowledged in its last second are gone with it (AOF everysec).
          await redis.kill();
          redisKills++;
          await new Promise((r) => setTimeout(r, 500));
          await redis.start();
        }
        if (i === Math.floor(order.length / 2)) {
          killedGateways.add(gateways[1].id);
          await gateways[1].kill("SIGKILL");
        }
        if (i % 50 === 49) await new Promise((r) => setTimeout(r, 40));
      }
      // Resend unacked messages (same clientMsgId) until everything is acked.
      const deadline = Date.now() + 90_000;
      for (;;) {
        const unacked = clients.flatMap((c) =>
          [...c.sent].filter(([, s]) => !s.ack).map(([id, s]) => [c, id, s] as const)
        );
        if (unacked.length === 0 || Date.now() > deadline) break;
        for (const [c, id, s] of unacked) {
          if (Date.now() - s.sentAt > RESEND_MS && c.open) {
            s.resent++;
            c.send(id);
          }
        }
        if (Date.now() - started > 30_000) chaos = false; // let the system settle for the tail
        await new Promise((r) => setTimeout(r, 200));
      }
      chaos = false;
      await chaosLoop;
      clearInterval(keeper);
      for (const c of clients) {
        if (!c.open) {
          c.url = `ws://127.0.0.1:${gateways[0].port}/ws`;
          await c.connect();
        }
        await c.sync();
      }

      // ---- Checker ----
      const all = clients.flatMap((c) => [...c.sent].map(([id, s]) => ({ c, id, s })));
      const acked = all.filter((x) => x.s.ack);
      assert.equal(acked.length, MESSAGES, "every message was eventually acked");

      const rows = await env.db.selectFrom("messages").select([
        "msg_id",
        "sender_id",
        "client_msg_id",
        "conversation_id",
        "seq",
      ])
        .where("kind", "=", "text").execute();
      const byKey = new Map(rows.map((r) => [`${r.sender_id}:${r.client_msg_id}`, r]));
      assert.equal(rows.length, MESSAGES, "stored exactly once each (no extra rows)");
      for (const x of acked) {
        const r = byKey.get(`${x.c.userId}:${x.id}`);
        assert.ok(r && String(r.msg_id) === x.s.ack!.msgId, `acked ${x.id} is the stored row`);
      }
      const dupSeq = await env.db.selectFrom("messages").select(["conversation_id", "seq"])
        .groupBy(["conversation_id", "seq"]).having((eb) => eb.fn.countAll(), ">", 1).execute();
      assert.equal(dupSeq.length, 0, "no (conversation, seq) is used twice");

      let missing = 0;
      const userOf = new Map(clients.map((c) => [c.userId, c]));
      for (const x of acked) {
        const receiver = userOf.get(x.s.to)!;
        const has = receiver.got.get(x.s.ack!.conversationId)?.get(x.s.ack!.seq) === x.s.ack!.msgId;
        if (!has) missing++;
      }
      assert.equal(
        missing,
        0,
        "every recipient device has every acked message after reconnect and sync",
      );

      // Send order per (sender, conversation), resent messages included: a client that resends
      // in order keeps its order across worker, gateway and Redis deaths.
      let inversions = 0;
      const lastSeq = new Map<string, number>();
      for (const x of [...acked].sort((p, q) => p.s.index - q.s.index)) {
        const k = `${x.c.userId}|${x.s.ack!.conversationId}`;
        if ((lastSeq.get(k) ?? 0) > x.s.ack!.seq) {
          inversions++;
          const prev = acked.filter((y) =>
            `${y.c.userId}|${y.s.ack!.conversationId}` === k && y.s.ack!.seq === lastSeq.get(k)
          );
          console.log("INVERSION", x.id, x.s, "after", prev.map((p) => [p.id, p.s]));
        }
        lastSeq.set(k, x.s.ack!.seq);
      }
      const raw = clients.reduce((n, c) => n + c.rawDeliveries, 0);
      const delivered = acked.length;
      const resent = all.reduce((n, x) => n + x.s.resent, 0);
      const reconnects = clients.reduce((n, c) => n + c.reconnects, 0);
      console.log(
        `reliability: ${acked.length} acked and stored once; ${missing} missing after sync; ` +
          `${
            Math.max(0, raw - delivered)
          } raw duplicate pushes (of ${raw}); ${resent} client resends; ` +
          `${workerKills} worker SIGKILLs; 1 gateway SIGKILL; ${redisKills} Redis SIGKILL; ` +
          `${reconnects} reconnects; ` +
          `${inversions} send-order inversions; ${((Date.now() - started) / 1000).toFixed(1)} s`,
      );
      assert.equal(inversions, 0, "one sender's messages keep their send order");
      for (const c of clients) c.ws?.close();
    } finally {
      await Promise.all(procs.map((p) => p.kill("SIGTERM")));
      await env.close();
      await redis.stop();
    }
  },
});
