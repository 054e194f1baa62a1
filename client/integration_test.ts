/**
 * The SDK against the real system, in process: a worker and two gateways on free ports, real
 * MariaDB and Redis with a fresh database and key prefix. Covers what the fake cannot prove:
 * the subprotocol token, acks after commit, receipts, recall, and moving to another gateway
 * when one drains.
 */
import assert from "node:assert/strict";
import { startSystem } from "@im/gateway/testing";
import { AuthApi, type FetchFn } from "./http.ts";
import { ImClient } from "./client.ts";
import type { MessageView } from "@im/protocol";

const PASSWORD = "correct horse";

async function until(what: string, fn: () => boolean, ms = 8000): Promise<void> {
  const end = Date.now() + ms;
  while (!fn()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

Deno.test({
  name: "sdk: register, chat, receipts, recall, and survive a gateway drain",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const sys = await startSystem({}, 2);
    const live = new Set(sys.gateways);
    // HTTP goes to any live gateway, as a load balancer in front of them would do.
    const viaLive: FetchFn = (url, init) => {
      const g = [...live][0];
      return fetch(url.replace("http://lb", `http://127.0.0.1:${g.port}`), init);
    };
    const api = new AuthApi("http://lb", viaLive);
    const clients: ImClient[] = [];
    try {
      const alice = await api.register({ username: uniq("alice"), password: PASSWORD });
      const bob = await api.register({ username: uniq("bob"), password: PASSWORD });
      await assert.rejects(
        api.login({ username: alice.username, password: "wrong password" }),
        (e) => e instanceof Error && "code" in e && e.code === 2001,
      );
      const open = async (username: string) => {
        const c = new ImClient({
          api,
          session: await api.login({ username, password: PASSWORD }),
          backoff: { baseMs: 100, maxMs: 1000, factor: 2 },
        });
        clients.push(c);
        await c.connect();
        return c;
      };
      const a = await open(alice.username);
      const b = await open(bob.username);
      const bobGot: MessageView[] = [];
      b.on("message", (m) => bobGot.push(m));

      const first = await a.send(bob.userId, "hello bob");
      assert.equal(first.seq, 1);
      await until("bob receives", () => bobGot.length === 1);
      assert.equal(bobGot[0].body, "hello bob");
      await until(
        "delivered mark",
        () => a.timeline(first.conversationId)[0].status === "delivered",
      );
      await b.markRead(first.conversationId);
      await until("read mark", () => a.timeline(first.conversationId)[0].status === "read");

      const [reserved] = await a.fetchIds(2);
      const named = await a.send(bob.userId, "named by the client", { msgId: reserved });
      assert.equal(named.msgId, reserved);
      await assert.rejects(
        b.send(alice.userId, "not my id", { msgId: reserved }),
        (e) => e instanceof Error && "code" in e && e.code === 3009,
      );

      const oops = await a.send(bob.userId, "oops");
      await until("bob has oops", () => bobGot.some((m) => m.msgId === oops.msgId));
      await a.recall(oops.msgId);
      await until("recall reaches bob", () => b.store.message(oops.msgId)?.recalled === true);

      // Drain alice's gateway: she reconnects elsewhere and catches up on what she missed.
      const aliceGw = sys.gateways.find((g) => g.gatewayId === a.gatewayId)!;
      live.delete(aliceGw);
      await aliceGw.stop();
      await b.send(alice.userId, "while you were away").catch(() => {});
      await until("alice back online", () => a.state === "online", 15_000);
      assert.notEqual(a.gatewayId, aliceGw.gatewayId);
      const conv = a.store.get(first.conversationId)!;
      await until(
        "alice caught up",
        () => conv.messages.some((m) => m.body === "while you were away"),
      );
      const seqs = conv.messages.map((m) => m.seq);
      assert.deepEqual(seqs, [...seqs].sort((x, y) => x - y));
      assert.equal(new Set(seqs).size, seqs.length);

      // A fresh device sees the whole conversation through sync.
      const a2 = await open(alice.username);
      await until(
        "history on a new device",
        () => a2.timeline(first.conversationId).filter((i) => i.kind === "message").length === 4,
      );
    } finally {
      for (const c of clients) c.close();
      await sys.close();
    }
  },
});

Deno.test({
  name: "sdk: hello announces the configured limits, and a body one over them is refused",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const sys = await startSystem({ maxBodyChars: 40, recallWindowSec: 30 });
    const api = new AuthApi(`http://127.0.0.1:${sys.gateways[0].port}`);
    const clients: ImClient[] = [];
    try {
      const alice = await api.register({ username: uniq("alice"), password: PASSWORD });
      const bob = await api.register({ username: uniq("bob"), password: PASSWORD });
      const a = new ImClient({
        api,
        session: await api.login({ username: alice.username, password: PASSWORD }),
      });
      clients.push(a);
      assert.equal(a.limits, null);
      await a.connect();
      assert.deepEqual(a.limits, { maxBodyChars: 40, recallWindowSec: 30, editWindowSec: 900 });
      // Counted in code points, as the worker counts: 40 emoji fit, 41 do not.
      await a.send(bob.userId, "😀".repeat(40));
      await assert.rejects(
        a.send(bob.userId, "😀".repeat(41)),
        (e) => e instanceof Error && "code" in e && e.code === 3003,
      );
    } finally {
      for (const c of clients) c.close();
      await sys.close();
    }
  },
});

function uniq(name: string): string {
  return `${name}_${crypto.randomUUID().replaceAll("-", "").slice(0, 10)}`;
}
