/**
 * End to end through every process: real gateways and workers as child processes of the real
 * deno binary, real Redis and MariaDB. Two users on two gateways chat through the workers; then,
 * with three workers, one is SIGKILLed mid-stream and every acked message must still be stored
 * once and delivered (duplicates dropped by seq, as clients do).
 */
import assert from "node:assert/strict";
import { testEnv } from "@im/shared/testing";
import { directConversationId } from "@im/protocol";
import { partitionOf } from "@im/shared/partition";
import { TestSocket } from "@im/gateway/testing";
import { envFor, type Proc, signUp, spawn } from "./testing/cluster.ts";

Deno.test({
  name:
    "e2e: two users on two gateways chat; a worker SIGKILLed mid-stream loses and duplicates nothing",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const env = await testEnv({ partitions: 8 });
    const procs: Proc[] = [];
    try {
      const base = envFor(env, {
        LEASE_TTL_MS: "1500",
        BLOCK_MS: "300",
        RATE_LIMIT_PER_SEC: "1000",
        RATE_LIMIT_BURST: "1000",
      });
      const [g1, g2] = [await spawn("gateway", base), await spawn("gateway", base)];
      procs.push(g1, g2);
      for (let i = 0; i < 3; i++) procs.push(await spawn("worker", base));
      const workers = procs.filter((p) => p.kind === "worker");

      const alice = await signUp(g1.port, "alice");
      const bob = await signUp(g1.port, "bob");
      const a = await TestSocket.open(`ws://127.0.0.1:${g1.port}/ws`, alice.accessToken);
      const b = await TestSocket.open(`ws://127.0.0.1:${g2.port}/ws`, bob.accessToken);

      // 1. A plain exchange across the two gateways.
      const first = await a.request({
        type: "msg.send",
        id: "hello",
        data: { to: bob.userId, clientMsgId: "hello", kind: "text", body: "hi bob" },
      }, "msg.sent");
      const got = await b.next("msg.new", (f) => f.data.msgId === first.data.msgId);
      assert.equal(got.data.body, "hi bob");
      const reply = await b.request({
        type: "msg.send",
        id: "re",
        data: { to: alice.userId, clientMsgId: "re", kind: "text", body: "hi alice" },
      }, "msg.sent");
      assert.equal(reply.data.seq, 2, "one conversation, one sequence");
      assert.equal((await a.next("msg.new")).data.body, "hi alice");

      // 2. A stream of messages with a worker SIGKILLed in the middle. Like a real client,
      //    the sender resends unacked messages (same clientMsgId) after a timeout.
      const N = 300;
      const acked = new Map<string, { msgId: string; seq: number }>();
      const sentAt = new Map<string, number>();
      const sendOne = (i: number) => {
        const cid = `m${i}`;
        sentAt.set(cid, Date.now());
        a.send({
          type: "msg.send",
          id: cid,
          data: { to: bob.userId, clientMsgId: cid, kind: "text", body: `n${i}` },
        });
      };
      let killed: Proc | null = null;
      for (let i = 0; i < N; i++) {
        sendOne(i);
        if (i === N / 3) {
          // Kill the worker that owns this conversation's partition, mid-stream.
          const p = partitionOf(
            directConversationId(alice.userId, bob.userId),
            env.config.partitions,
          );
          // Partitions may be moving between the three workers still: wait for an owner.
          let owner: string | undefined;
          for (let t = 0; t < 100 && !workers.some((w) => w.id === owner); t++) {
            owner = (await env.redis.get(env.keys.partitionLease(p)))?.split(":")[0];
            if (!workers.some((w) => w.id === owner)) await new Promise((r) => setTimeout(r, 100));
          }
          killed = workers.find((w) => w.id === owner) ?? null;
          assert.ok(killed, `owner ${owner} of partition ${p} is one of ours`);
          await killed.kill("SIGKILL");
        }
        if (i % 20 === 19) await new Promise((r) => setTimeout(r, 20));
      }
      const deadline = Date.now() + 60_000;
      while (acked.size < N && Date.now() < deadline) {
        for (const f of a.frames.splice(0)) {
          if (f.type === "msg.sent") {
            acked.set(f.data.clientMsgId, { msgId: f.data.msgId, seq: f.data.seq });
          }
        }
        for (const [cid, at] of sentAt) {
          if (!acked.has(cid) && Date.now() - at > 4000) sendOne(Number(cid.slice(1)));
        }
        await new Promise((r) => setTimeout(r, 100));
      }
      assert.equal(acked.size, N, "every message is eventually acked");
      assert.ok(killed && (await killed.exited).signal === "SIGKILL");

      // Every acked message reaches bob; duplicates (allowed) are dropped by seq.
      const end = Date.now() + 20_000;
      const bySeq = new Map<number, string>();
      let raw = 0;
      const wanted = new Set([...acked.values()].map((v) => v.msgId));
      while (Date.now() < end) {
        for (const f of b.frames.splice(0)) {
          if (f.type !== "msg.new") continue;
          raw++;
          const prev = bySeq.get(f.data.seq);
          assert.ok(prev === undefined || prev === f.data.msgId, "a seq never names two messages");
          bySeq.set(f.data.seq, f.data.msgId);
        }
        if ([...wanted].every((id) => [...bySeq.values()].includes(id))) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      const delivered = new Set(bySeq.values());
      const missing = [...wanted].filter((id) => !delivered.has(id));
      assert.deepEqual(missing, [], "every acked message is delivered");

      const rows = await env.db.selectFrom("messages").select(["client_msg_id", "seq", "msg_id"])
        .where("sender_id", "=", alice.userId).where("client_msg_id", "like", "m%").execute();
      assert.equal(rows.length, N, "stored exactly once each");
      for (const r of rows) assert.equal(String(r.msg_id), acked.get(r.client_msg_id)!.msgId);
      const seqs = rows.map((r) => Number(r.seq)).sort((x, y) => x - y);
      assert.equal(new Set(seqs).size, N, "no seq is used twice");
      // One sender's messages keep their send order where no resend reordered them.
      const order = [...acked.entries()].sort((x, y) =>
        Number(x[0].slice(1)) - Number(y[0].slice(1))
      );
      let inversions = 0;
      for (let i = 1; i < order.length; i++) {
        if (order[i][1].seq < order[i - 1][1].seq) inversions++;
      }
      console.log(
        `e2e: ${N} acked, ${
          raw - N
        } raw duplicate deliveries, ${inversions} order inversions after resends`,
      );
      await a.close();
      await b.close();
    } catch (err) {
      // What each process logged is the only trace of why, on a CI machine.
      for (const p of procs) console.error(`--- ${p.kind} ${p.id}\n${p.log.slice(-40).join("\n")}`);
      throw err;
    } finally {
      await Promise.all(procs.map((p) => p.kill("SIGTERM")));
      await env.close();
    }
  },
});
