/**
 * Redis Cluster failover under a live message flow: two gateways and two workers (real child
 * processes) on a private cluster of three masters with a replica each. Mid-stream the master
 * holding the conversation's partition (its stream, lease and fence: one hash tag, one slot)
 * is SIGKILLed; its replica takes over. The sender resends what is not acked, like a client.
 * Every message the sender saw acked must be stored once, under the acked id, and reach the
 * receiver: pushed, or on a sync afterwards (pushes in flight on the dead master may be lost;
 * the stored row is the truth a sync reads).
 */
import assert from "node:assert/strict";
import { missingTool, testEnv } from "@im/shared/testing";
import { startRedisCluster } from "@im/shared/testing/redis-cluster";
import { directConversationId } from "@im/protocol";
import { partitionOf } from "@im/shared/partition";
import { TestSocket } from "@im/gateway/testing";
import { envFor, type Proc, signUp, spawn } from "./testing/cluster.ts";

const NAME = "cluster failover: a master SIGKILLed mid-stream loses no acked message";
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

Deno.test({
  name: NAME,
  ignore: await missingTool(NAME, "redis-cli"),
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const rig = await startRedisCluster();
    const env = await testEnv({ partitions: 4, redisUrl: rig.url });
    const procs: Proc[] = [];
    let passed = false;
    try {
      const base = envFor(env, {
        LEASE_TTL_MS: "1500",
        BLOCK_MS: "300",
        RATE_LIMIT_PER_SEC: "1000",
        RATE_LIMIT_BURST: "1000",
      });
      const [g1, g2] = [await spawn("gateway", base), await spawn("gateway", base)];
      procs.push(g1, g2, await spawn("worker", base), await spawn("worker", base));
      const alice = await signUp(g1.port, "alice");
      const bob = await signUp(g1.port, "bob");
      // A gateway that cannot append a frame closes the socket (reconnect, then resend in
      // order); alice does what a client does.
      const openAlice = async () => {
        const s = await TestSocket.open(`ws://127.0.0.1:${g1.port}/ws`, alice.accessToken);
        s.closed.then(() => (aliceClosed = true));
        aliceClosed = false;
        return s;
      };
      let aliceClosed = false, reconnects = 0;
      let a = await openAlice();
      let b = await TestSocket.open(`ws://127.0.0.1:${g2.port}/ws`, bob.accessToken);
      const conversationId = directConversationId(alice.userId, bob.userId);
      const stream = env.keys.partition(partitionOf(conversationId, env.config.partitions));

      const N = 150;
      const acked = new Map<string, string>();
      const sentAt = new Map<string, number>();
      const sendOne = (i: number) => {
        sentAt.set(`m${i}`, Date.now());
        if (aliceClosed) return; // resent after the reconnect
        a.send({
          type: "msg.send",
          id: `m${i}-${Date.now()}`,
          data: { to: bob.userId, clientMsgId: `m${i}`, kind: "text", body: `n${i}` },
        });
      };
      const drainAcks = () => {
        for (const f of a.frames.splice(0)) {
          if (f.type === "msg.sent") acked.set(f.data.clientMsgId, f.data.msgId);
        }
      };
      let killedPort = 0, ackedAtKill = 0;
      for (let i = 0; i < N; i++) {
        sendOne(i);
        if (i === N / 3) {
          // Some of the first third acked: the flow is live when the master dies.
          for (let t = 0; t < 100 && acked.size < N / 6; t++) {
            await sleep(50);
            drainAcks();
          }
          assert.ok(acked.size > 0, "messages are acked before the failover");
          killedPort = await rig.killMaster(stream);
          ackedAtKill = acked.size;
        }
        if (i % 10 === 9) await sleep(20);
      }
      await rig.waitHealthy(30_000);
      const deadline = Date.now() + 60_000;
      while (acked.size < N && Date.now() < deadline) {
        drainAcks();
        if (aliceClosed) {
          a = await openAlice().catch(() => a);
          if (!aliceClosed) {
            reconnects++;
            for (const cid of sentAt.keys()) if (!acked.has(cid)) sendOne(Number(cid.slice(1)));
          }
        }
        for (const [cid, at] of sentAt) {
          if (!acked.has(cid) && Date.now() - at > 3000) sendOne(Number(cid.slice(1)));
        }
        await sleep(100);
      }
      assert.equal(acked.size, N, "every message is eventually acked");

      const rows = await env.db.selectFrom("messages").select(["client_msg_id", "msg_id"])
        .where("sender_id", "=", alice.userId).execute();
      assert.equal(rows.length, N, "stored exactly once each");
      for (const r of rows) assert.equal(String(r.msg_id), acked.get(r.client_msg_id));

      // Bob: what was pushed, then a sync from his cursor 0 on a fresh socket.
      const wanted = new Set(acked.values());
      const got = new Set<string>();
      const collect = () => {
        for (const f of b.frames.splice(0)) if (f.type === "msg.new") got.add(f.data.msgId);
      };
      for (let t = 0; t < 50 && got.size < wanted.size; t++) {
        collect();
        await sleep(100);
      }
      const pushed = [...wanted].filter((id) => got.has(id)).length;
      await b.close();
      b = await TestSocket.open(`ws://127.0.0.1:${g2.port}/ws`, bob.accessToken);
      let cursors = [{ conversationId, seq: 0 }];
      for (let page = 0; page < 20; page++) {
        const res = await b.request(
          { type: "sync", id: `s${page}`, data: { cursors, limit: 100 } },
          "sync.page",
        );
        for (const c of res.data.conversations) {
          for (const m of c.messages) got.add(m.msgId);
          const last = c.messages.at(-1)?.seq;
          if (last) cursors = [{ conversationId: c.conversationId, seq: last }];
        }
        if (!res.data.more) break;
      }
      const missing = [...wanted].filter((id) => !got.has(id));
      assert.deepEqual(missing, [], "every acked message reaches the receiver");
      console.log(
        `cluster failover: master :${killedPort} killed with ${ackedAtKill} of ${N} acked; ` +
          `${reconnects} sender reconnects; ` +
          `all ${N} acked, stored once; ${pushed} pushed, ${N - pushed} only by sync`,
      );
      await a.close();
      await b.close();
      passed = true;
    } finally {
      if (!passed) {
        // What the processes said about it: the warnings and errors, for the report.
        for (const p of procs) {
          for (const line of p.log.filter((l) => /"level":"(warn|error)"/.test(l)).slice(-15)) {
            console.error(`${p.kind} ${p.id}: ${line.slice(0, 400)}`);
          }
        }
      }
      await Promise.all(procs.map((p) => p.kill("SIGTERM")));
      await env.close();
      await rig.stop();
    }
  },
});
