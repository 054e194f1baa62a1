/**
 * Presence and calls when a gateway dies (SIGKILL: no disconnects, its routes just stop being
 * refreshed), with real gateway and worker processes. Within ROUTE_TTL_SEC the watchers see the
 * caller offline (last seen when its route was last refreshed) and the callee hears the call
 * end as dropped, which is stored. A caller who reconnects to another gateway keeps the call.
 */
import assert from "node:assert/strict";
import { directConversationId } from "@im/protocol";
import { testEnv } from "@im/shared/testing";
import { type Frame, TestSocket } from "@im/gateway/testing";
import { envFor, type Proc, signUp, spawn } from "./testing/cluster.ts";

const ROUTE_TTL_SEC = 3;
const forCall = (callId: string) => (f: Frame) => f.data.callId === callId;

Deno.test({
  name:
    "realtime: a SIGKILLed gateway — its users go offline and their calls end within ROUTE_TTL_SEC; a reconnect keeps the call",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const env = await testEnv({ partitions: 4 });
    const vars = envFor(env, {
      ROUTE_TTL_SEC: String(ROUTE_TTL_SEC),
      CALL_DROP_GRACE_SEC: "2",
      LEASE_TTL_MS: "2000",
      BLOCK_MS: "200",
    });
    const procs: Proc[] = [];
    const sockets: TestSocket[] = [];
    try {
      procs.push(await spawn("worker", vars));
      const [g1, g2] = [await spawn("gateway", vars), await spawn("gateway", vars)];
      procs.push(g1, g2);
      const tag = crypto.randomUUID().slice(0, 6);
      const alice = await signUp(g1.port, `alice_${tag}`);
      const bob = await signUp(g2.port, `bob_${tag}`);
      const url = (g: Proc) => `ws://127.0.0.1:${g.port}/ws`;
      const open = async (g: Proc, token: string) => {
        const s = await TestSocket.open(url(g), token);
        sockets.push(s);
        return s;
      };
      let a = await open(g1, alice.accessToken);
      const b = await open(g2, bob.accessToken);
      await a.request({
        type: "msg.send",
        id: "s",
        data: { to: bob.userId, clientMsgId: "c1", kind: "text", body: "hi" },
      }, "msg.sent");
      const conv = directConversationId(alice.userId, bob.userId);
      const snap = await b.request({
        type: "presence.sub",
        id: "w",
        data: { userIds: [alice.userId] },
      }, "presence");
      assert.equal(snap.data.users[0].online, true);

      const call = async (callId: string) => {
        await a.request({
          type: "call.invite",
          id: `i${callId}`,
          data: { callId, conversationId: conv, media: "audio" },
        }, "call.ringing");
        await b.request(
          { type: "call.accept", id: `a${callId}`, data: { callId } },
          "call.accepted",
        );
        await a.next("call.accepted", forCall(callId));
      };

      // 1. Alice's gateway dies mid-call and she reconnects to the other one: the call goes on.
      const kept = "keepthecall1";
      await call(kept);
      await g1.kill("SIGKILL");
      const g3 = await spawn("gateway", vars);
      procs.push(g3);
      a = await open(g2, alice.accessToken);
      await new Promise((r) => setTimeout(r, (ROUTE_TTL_SEC + 2) * 1000));
      b.send({ type: "call.signal", data: { callId: kept, candidate: { candidate: "" } } });
      assert.equal((await a.next("call.signal", forCall(kept), 5000)).data.from, bob.userId);
      assert.equal(b.frames.some((f) => f.type === "call.ended"), false, "the call survived");
      await a.request({ type: "call.hangup", id: "h1", data: { callId: kept } }, "call.ended");
      await b.next("call.ended", forCall(kept));

      // 2. Her gateway dies and she does not come back: offline, and the call ends as dropped.
      a = await open(g3, alice.accessToken); // replaces her connection on g2 (same device)
      await new Promise((r) => setTimeout(r, 500));
      b.frames.splice(0); // whatever the move looked like, from here on only the kill counts
      const dropped = "dropthecall2";
      await call(dropped);
      const killedAt = Date.now();
      await g3.kill("SIGKILL");
      const off = await b.next(
        "presence",
        (f) => f.data.users[0].online === false,
        (ROUTE_TTL_SEC + 3) * 1000,
      );
      const offAfter = Date.now() - killedAt;
      const seen = off.data.users[0].lastSeen;
      assert.ok(
        seen <= killedAt && seen >= killedAt - ROUTE_TTL_SEC * 1000,
        `last seen ${killedAt - seen} ms before the kill`,
      );
      const ended = await b.next("call.ended", forCall(dropped), (ROUTE_TTL_SEC + 3) * 1000);
      const endAfter = Date.now() - killedAt;
      assert.equal(ended.data.reason, "dropped");
      assert.ok(offAfter <= (ROUTE_TTL_SEC + 0.5) * 1000, `offline after ${offAfter} ms`);
      assert.ok(endAfter <= (ROUTE_TTL_SEC + 0.5) * 1000, `call ended after ${endAfter} ms`);
      const rec = await b.next("msg.new", (f) => f.data.call?.callId === dropped, 10_000);
      assert.deepEqual([rec.data.call.outcome, rec.data.call.reason], ["finished", "dropped"]);
      console.log(
        `offline after ${offAfter} ms, call ended after ${endAfter} ms (ROUTE_TTL_SEC ${ROUTE_TTL_SEC})`,
      );
    } finally {
      for (const s of sockets) s.ws.close();
      for (const p of procs) await p.kill("SIGKILL");
      await env.close();
    }
  },
});
