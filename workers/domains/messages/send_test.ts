import assert from "node:assert/strict";
import { testEnv } from "@im/shared/testing";
import { ErrorCode } from "@im/protocol";
import { createUsers, processorFor, resultFrames, sendEntry } from "../../test_support.ts";
import { checkSend } from "./send.ts";

Deno.test("msg.send check: self, empty and over-long bodies are refused (pure)", () => {
  assert.equal(checkSend(sendEntry("1", "1", "a") as never, 5000)?.code, ErrorCode.SELF_MESSAGE);
  assert.equal(checkSend(sendEntry("1", "2", "a", "") as never, 5000)?.code, ErrorCode.BODY_LENGTH);
  assert.equal(
    checkSend(sendEntry("1", "2", "a", "x".repeat(5001)) as never, 5000)?.code,
    ErrorCode.BODY_LENGTH,
  );
  assert.equal(checkSend(sendEntry("1", "2", "a", "x".repeat(5000)) as never, 5000), null);
  // Characters, not UTF-16 units: 5000 emoji are allowed.
  assert.equal(checkSend(sendEntry("1", "2", "a", "😀".repeat(5000)) as never, 5000), null);
});

Deno.test("msg.send: stores, numbers per conversation, acks the sender and delivers to the receiver", async () => {
  const env = await testEnv();
  try {
    const [alice, bob] = await createUsers(env, "alice", "bob");
    const { processor, routes } = processorFor(env);
    await routes.set(bob, { deviceId: "phone", gatewayId: "g2", connId: "c-bob" });
    await routes.set(alice, { deviceId: "laptop", gatewayId: "g2", connId: "c-alice-2" });
    const stream = env.keys.partition(0);
    await processor.process(stream, 0, 1, [
      sendEntry(alice, bob, "m1"),
      sendEntry(bob, alice, "m2", "yo", { connId: "c-bob", gatewayId: "g2" }),
    ]);
    const rows = await env.db.selectFrom("messages").selectAll().orderBy("seq").execute();
    assert.deepEqual(rows.map((r) => [Number(r.seq), String(r.sender_id)]), [[1, alice], [2, bob]]);
    const toSender = await resultFrames(env, "g1");
    assert.equal(toSender[0].frame.type, "msg.sent");
    assert.equal(toSender[0].frame.id, "r-m1");
    assert.equal(toSender[0].frame.data.msgId, String(rows[0].msg_id));
    const g2 = await resultFrames(env, "g2");
    const news = g2.filter((f) => f.frame.type === "msg.new");
    // m1 to bob and to alice's other device; m2 to alice's laptop only (bob's own conn excluded).
    // One line may carry a frame to several connections of a gateway: compare deliveries.
    const deliveries = news.flatMap((f) => f.conns.map((c) => [f.frame.data.clientMsgId, c]));
    assert.deepEqual(deliveries.sort(), [
      ["m1", "c-alice-2"],
      ["m1", "c-bob"],
      ["m2", "c-alice-2"],
    ]);
  } finally {
    await env.close();
  }
});

Deno.test("msg.send: bad input is answered with its error and nothing is stored", async () => {
  const env = await testEnv();
  try {
    const [alice] = await createUsers(env, "alice");
    const { processor } = processorFor(env);
    await processor.process(env.keys.partition(0), 0, 1, [
      sendEntry(alice, alice, "self"),
      sendEntry(alice, "999999", "ghost"),
      sendEntry(alice, "999999", "long", "x".repeat(5001)),
    ]);
    assert.equal((await env.db.selectFrom("messages").selectAll().execute()).length, 0);
    const frames = await resultFrames(env, "g1");
    assert.deepEqual(frames.map((f) => [f.frame.id, f.frame.data.code]), [
      ["r-self", ErrorCode.SELF_MESSAGE],
      ["r-long", ErrorCode.BODY_LENGTH],
      ["r-ghost", ErrorCode.NO_SUCH_USER],
    ]);
  } finally {
    await env.close();
  }
});

Deno.test("msg.send: a resend of the same clientMsgId returns the original ack and delivers nothing", async () => {
  const env = await testEnv();
  try {
    const [alice, bob] = await createUsers(env, "alice", "bob");
    const { processor, routes } = processorFor(env);
    await routes.set(bob, { deviceId: "phone", gatewayId: "g2", connId: "c-bob" });
    const stream = env.keys.partition(0);
    await processor.process(stream, 0, 1, [
      sendEntry(alice, bob, "same"),
      sendEntry(alice, bob, "same"),
    ]);
    await processor.process(stream, 0, 1, [sendEntry(alice, bob, "same", "different body")]);
    const rows = await env.db.selectFrom("messages").selectAll().execute();
    assert.equal(rows.length, 1);
    const acks = (await resultFrames(env, "g1")).filter((f) => f.frame.type === "msg.sent");
    assert.equal(acks.length, 3);
    assert.ok(
      acks.every((a) => a.frame.data.msgId === String(rows[0].msg_id) && a.frame.data.seq === 1),
    );
    assert.equal((await resultFrames(env, "g2")).length, 1, "delivered once");
    // The dedup key includes the sender: bob may use the same clientMsgId.
    await processor.process(stream, 0, 1, [
      sendEntry(bob, alice, "same", "hi", { connId: "c-bob", gatewayId: "g2" }),
    ]);
    assert.equal((await env.db.selectFrom("messages").selectAll().execute()).length, 2);
  } finally {
    await env.close();
  }
});

Deno.test("msg.send: concurrent duplicate sends store exactly one row", async () => {
  const env = await testEnv();
  try {
    const [alice, bob, carol] = await createUsers(env, "alice", "bob", "carol");
    // Two workers with different snowflake ids; the same clientMsgId sent 10 times at once,
    // to two receivers (so through two partitions): only the unique key can keep it single.
    const procs = [processorFor(env, 1).processor, processorFor(env, 2).processor];
    const attempts = Array.from(
      { length: 10 },
      (_, i) =>
        procs[i % 2].process(env.keys.partition(i % 2), i % 2, 1, [
          sendEntry(alice, i % 2 ? bob : carol, "dup"),
        ]).then(
          () => "ok",
          () => "transient",
        ),
    );
    const outcomes = await Promise.all(attempts);
    assert.ok(outcomes.includes("ok"));
    // A transient loser is redelivered: its retry must find the stored row.
    for (let i = 0; i < outcomes.length; i++) {
      if (outcomes[i] === "transient") {
        await procs[0].process(env.keys.partition(0), 0, 1, [sendEntry(alice, carol, "dup")]);
      }
    }
    const rows = await env.db.selectFrom("messages").selectAll().execute();
    assert.equal(rows.length, 1);
    const acks = (await resultFrames(env, "g1")).filter((f) => f.frame.type === "msg.sent");
    assert.equal(acks.length, 10);
    assert.equal(new Set(acks.map((a) => a.frame.data.msgId)).size, 1);
  } finally {
    await env.close();
  }
});
