import assert from "node:assert/strict";
import { ErrorCode } from "@im/protocol";
import { PermanentError } from "@im/shared/errors";
import { testEnv } from "@im/shared/testing";
import { BatchProcessor } from "./batch.ts";
import type { TxHandlers } from "./context.ts";
import { txHandlers } from "./domains/mod.ts";
import {
  createUsers,
  entryOf,
  envelope,
  processorFor,
  resultFrames,
  sendEntry,
} from "./test_support.ts";

Deno.test("batch: a handler's thrown PermanentError is answered and acked, never retried; neighbours commit", async () => {
  const env = await testEnv();
  try {
    const [alice, bob] = await createUsers(env, "alice", "bob");
    const { publisher } = processorFor(env);
    let calls = 0;
    // A handler that throws for bad input instead of calling ctx.reject.
    const handlers: TxHandlers = {
      ...txHandlers,
      "ids.fetch": {
        order: 0,
        run: (_ctx, entries) => {
          calls += entries.length;
          throw new PermanentError(ErrorCode.INVALID_FRAME, "count is not acceptable");
        },
      },
    };
    let n = 0;
    const processor = new BatchProcessor(
      env.db,
      handlers,
      publisher,
      env.config,
      () => String(++n + 1000),
    );
    const stream = env.keys.partition(0);
    const bad = entryOf({
      ...envelope(alice, { type: "ids.fetch", id: "bad", data: { count: 5 } }),
    });
    const r = await processor.process(stream, 0, 1, [
      sendEntry(alice, bob, "before"),
      bad,
      sendEntry(alice, bob, "after"),
    ]);
    assert.equal(r.rejected, 1);
    const rows = await env.db.selectFrom("messages").select("client_msg_id").orderBy("seq")
      .execute();
    assert.deepEqual(rows.map((x) => x.client_msg_id), ["before", "after"]);
    const frames = await resultFrames(env, "g1");
    const err = frames.find((f) => f.frame.id === "bad");
    assert.deepEqual(err?.frame, {
      type: "error",
      id: "bad",
      data: { code: ErrorCode.INVALID_FRAME, message: "count is not acceptable" },
    });
    assert.deepEqual(
      frames.filter((f) => f.frame.type === "msg.sent").map((f) => f.frame.data.clientMsgId),
      ["before", "after"],
    );
    assert.equal(calls, 2, "once in the batch, once alone; then answered, not retried");
  } finally {
    await env.close();
  }
});

Deno.test("batch: a frame type this (older) worker does not know is answered and the rest commits", async () => {
  const env = await testEnv();
  try {
    const [alice, bob] = await createUsers(env, "alice", "bob");
    const { processor } = processorFor(env);
    const future = entryOf(envelope(alice, { type: "msg.teleport", id: "f1", data: {} } as never));
    const r = await processor.process(env.keys.partition(0), 0, 1, [
      future,
      sendEntry(alice, bob, "ok"),
    ]);
    assert.equal(r.rejected, 1);
    const frames = await resultFrames(env, "g1");
    const err = frames.find((f) => f.frame.id === "f1");
    assert.equal(err?.frame.type, "error");
    assert.equal(err?.frame.data.code, ErrorCode.UNKNOWN_TYPE);
    assert.equal((await env.db.selectFrom("messages").select("msg_id").execute()).length, 1);
  } finally {
    await env.close();
  }
});

Deno.test("batch: a group conversation's message reaches every member's devices, and only members may send", async () => {
  const env = await testEnv();
  try {
    const [alice, bob, carol, dave] = await createUsers(env, "alice", "bob", "carol", "dave");
    const { processor, routes } = processorFor(env);
    const g = "g:777";
    await env.db.insertInto("conversations").values({
      id: g,
      kind: "group",
      last_seq: 0,
      created_at: 1,
      updated_at: 1,
    }).execute();
    await env.db.insertInto("conversation_members").values(
      [alice, bob, carol].map((u) => ({ conversation_id: g, user_id: u, joined_at: 1 })),
    ).execute();
    await routes.set(bob, { deviceId: "phone", gatewayId: "g2", connId: "c-bob" });
    await routes.set(carol, { deviceId: "web", gatewayId: "g3", connId: "c-carol" });
    await routes.set(dave, { deviceId: "web", gatewayId: "g3", connId: "c-dave" });
    await processor.process(env.keys.partition(0), 0, 1, [
      sendEntry(alice, g, "hello all"),
      sendEntry(dave, g, "let me in", "hi", { connId: "c-dave", gatewayId: "g3" }),
    ]);
    const rows = await env.db.selectFrom("messages").select(["conversation_id", "seq"]).execute();
    assert.deepEqual(rows.map((r) => [r.conversation_id, Number(r.seq)]), [[g, 1]]);
    const news = [...await resultFrames(env, "g2"), ...await resultFrames(env, "g3")]
      .filter((f) => f.frame.type === "msg.new").flatMap((f) => f.conns);
    assert.deepEqual(news.sort(), ["c-bob", "c-carol"], "members only; dave is not one");
    const daveErr = (await resultFrames(env, "g3")).find((f) => f.frame.type === "error");
    assert.equal(
      daveErr?.frame.data.code,
      ErrorCode.NOT_FOUND,
      "not a member: looks like no such conversation",
    );
    const sent = (await resultFrames(env, "g1")).find((f) => f.frame.type === "msg.sent");
    assert.equal(sent?.frame.data.conversationId, g);
  } finally {
    await env.close();
  }
});
