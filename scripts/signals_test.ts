/**
 * Process lifecycle with real signals on the real deno binary: SIGTERM drains a gateway (4000 to
 * its clients) and makes a worker release its leases; a worker SIGSTOPped past its lease and then
 * resumed cannot write (fencing) and the messages sent meanwhile are stored once.
 */
import assert from "node:assert/strict";
import { testEnv } from "@im/shared/testing";
import { CloseCode, directConversationId } from "@im/protocol";
import { partitionOf } from "@im/shared/partition";
import { TestSocket } from "@im/gateway/testing";
import { envFor, type Proc, signUp, spawn } from "./testing/cluster.ts";

const until = async (what: string, check: () => Promise<boolean>, ms = 15_000) => {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out: ${what}`);
};

Deno.test({
  name: "signals: SIGTERM drains; a SIGSTOPped owner is fenced out and nothing is lost or doubled",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const env = await testEnv({ partitions: 4 });
    const procs: Proc[] = [];
    try {
      const base = envFor(env, { LEASE_TTL_MS: "1500", BLOCK_MS: "300" });
      const gw = await spawn("gateway", base);
      const w1 = await spawn("worker", base);
      procs.push(gw, w1);
      const alice = await signUp(gw.port, "alice");
      const bob = await signUp(gw.port, "bob");
      const url = `ws://127.0.0.1:${gw.port}/ws`;
      const a = await TestSocket.open(url, alice.accessToken);
      const p = partitionOf(directConversationId(alice.userId, bob.userId), 4);
      const lease = env.keys.partitionLease(p);
      await until(
        "w1 owns the partition",
        async () => (await env.redis.get(lease))?.startsWith(w1.id) ?? false,
      );

      // SIGTERM: the worker finishes, releases its leases at once, and exits 0.
      const status = await w1.kill("SIGTERM");
      assert.equal(status.code, 0);
      assert.equal(await env.redis.get(lease), null, "leases released on SIGTERM");

      // SIGSTOP the owner past its lease while messages arrive; a second worker takes over.
      const w2 = await spawn("worker", base);
      procs.push(w2);
      await until(
        "w2 owns it",
        async () => (await env.redis.get(lease))?.startsWith(w2.id) ?? false,
      );
      const w3 = await spawn("worker", base);
      procs.push(w3);
      w2.child.kill("SIGSTOP");
      for (let i = 0; i < 20; i++) {
        a.send({
          type: "msg.send",
          id: `s${i}`,
          data: { to: bob.userId, clientMsgId: `s${i}`, kind: "text", body: `${i}` },
        });
      }
      await until(
        "w3 took the partition",
        async () => (await env.redis.get(lease))?.startsWith(w3.id) ?? false,
      );
      const acks = new Set<string>();
      for (let i = 0; i < 20; i++) {
        acks.add((await a.next("msg.sent", () => true, 15_000)).data.clientMsgId);
      }
      w2.child.kill("SIGCONT");
      await new Promise((r) => setTimeout(r, 2000)); // let the resumed worker try whatever it held
      assert.equal(acks.size, 20);
      const rows = await env.db.selectFrom("messages").select(["client_msg_id", "seq"]).orderBy(
        "seq",
      ).execute();
      assert.deepEqual(
        rows.map((r) => r.client_msg_id),
        Array.from({ length: 20 }, (_, i) => `s${i}`),
        "each once, in send order",
      );
      assert.ok(
        w2.log.some((l) => l.includes("lease") && l.includes("lost")),
        "the resumed worker noticed it lost its lease",
      );

      // SIGTERM on the gateway: clients get the reconnect code.
      const closed = a.closed;
      await gw.kill("SIGTERM");
      assert.equal((await closed).code, CloseCode.DRAINING);
    } finally {
      await Promise.all(procs.map((p) => p.kill("SIGKILL")));
      await env.close();
    }
  },
});
