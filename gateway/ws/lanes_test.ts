/**
 * The lanes through a real gateway and worker (in-process) on real Redis and MariaDB: reads are
 * served while a conversation's writes are stuck, and typing crosses the ephemeral lane to the
 * other member only.
 */
import assert from "node:assert/strict";
import { ErrorCode } from "@im/protocol";
import { createDb } from "@im/shared/db";
import { startSystem, TestSocket } from "../test_support.ts";

Deno.test("lanes: history is answered while the conversation's writes wait on a lock", async () => {
  const sys = await startSystem();
  const holder = createDb(sys.env.config.mysqlUrl, 1);
  try {
    const [alice, bob] = [await sys.register("alice"), await sys.register("bob")];
    const url = `ws://127.0.0.1:${sys.gateways[0].port}/ws`;
    const a = await TestSocket.open(url, alice.accessToken);
    const first = await a.request({
      type: "msg.send",
      id: "s1",
      data: { to: bob.userId, clientMsgId: "s1", kind: "text", body: "one" },
    }, "msg.sent");
    const conv = first.data.conversationId;
    // Another session holds the conversation's head row: the next send's transaction waits.
    const release = Promise.withResolvers<void>();
    const held = holder.transaction().execute(async (tx) => {
      await tx.selectFrom("conversations").select("id").where("id", "=", conv).forUpdate()
        .execute();
      await release.promise;
    });
    await new Promise((r) => setTimeout(r, 100));
    a.send({
      type: "msg.send",
      id: "s2",
      data: { conversationId: conv, clientMsgId: "s2", kind: "text", body: "two" },
    });
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(a.frames.some((f) => f.id === "s2"), false, "the write is stuck behind the lock");
    const page = await a.request(
      { type: "history", id: "h", data: { conversationId: conv } },
      "history.page",
    );
    assert.deepEqual(page.data.messages.map((m: { body: string }) => m.body), ["one"]);
    release.resolve();
    await held;
    const second = await a.next("msg.sent", (f) => f.id === "s2");
    assert.equal(second.data.seq, 2);
    await a.close();
  } finally {
    await holder.destroy();
    await sys.close();
  }
});

Deno.test("lanes: typing reaches the other member with its expiry, and a stranger cannot signal", async () => {
  const sys = await startSystem();
  try {
    const [alice, bob, carol] = [
      await sys.register("alice"),
      await sys.register("bob"),
      await sys.register("carol"),
    ];
    const url = `ws://127.0.0.1:${sys.gateways[0].port}/ws`;
    const a = await TestSocket.open(url, alice.accessToken);
    const b = await TestSocket.open(url, bob.accessToken);
    const c = await TestSocket.open(url, carol.accessToken);
    const sent = await a.request({
      type: "msg.send",
      id: "s1",
      data: { to: bob.userId, clientMsgId: "s1", kind: "text", body: "hi" },
    }, "msg.sent");
    const conv = sent.data.conversationId;
    a.send({ type: "typing", data: { conversationId: conv, active: true } });
    const t = await b.next("typing");
    assert.equal(t.data.conversationId, conv);
    assert.equal(t.data.userId, alice.userId, "identity from the connection");
    assert.equal(t.data.active, true);
    assert.ok(t.data.expiresInMs > 0);
    assert.equal(t.id, undefined, "a push, not a reply");
    const err = await c.request(
      { type: "typing", id: "t1", data: { conversationId: conv, active: true } },
      "error",
    );
    assert.equal(err.data.code, ErrorCode.NOT_FOUND);
    const bad = await a.request({
      type: "typing",
      id: "t2",
      data: { conversationId: conv, active: "yes" },
    }, "error");
    assert.equal(bad.data.code, ErrorCode.INVALID_FRAME);
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(a.frames.some((f) => f.type === "typing"), false, "never echoed to the sender");
    assert.equal(c.frames.some((f) => f.type === "typing"), false, "never to a stranger");
    const stored = await sys.env.db.selectFrom("messages").select("msg_id").execute();
    assert.equal(stored.length, 1, "nothing stored for typing");
    for (const s of [a, b, c]) await s.close();
  } finally {
    await sys.close();
  }
});
