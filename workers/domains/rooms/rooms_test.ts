/**
 * Live rooms: presence on a connection, messages only to those present, nothing stored per
 * member, and a burst of thousands joining in one read of the lane.
 */
import assert from "node:assert/strict";
import { ErrorCode } from "@im/protocol";
import { testEnv } from "@im/shared/testing";
import { createUsers } from "../../test_support.ts";
import { Harness } from "../groups/test_support.ts";

Deno.test("rooms: join is presence, a message reaches only those present, close ends it", async () => {
  const env = await testEnv();
  try {
    const [alice, bob, carol] = await createUsers(env, "alice", "bob", "carol");
    const h = new Harness(env);
    const created = await h.tx(alice, "room.create", { clientKey: "r1", title: "launch" });
    const again = await h.tx(alice, "room.create", { clientKey: "r1", title: "launch" });
    const r = created.data.conversationId;
    assert.equal(again.data.conversationId, r, "idempotent by clientKey");
    const [ja, jb] = await h.ephemeral([[alice, "room.join", { conversationId: r }], [
      bob,
      "room.join",
      { conversationId: r },
    ]]);
    const [joined] = await h.replies([ja, jb]);
    assert.deepEqual([joined.type, joined.data.title], ["room.joined", "launch"]);

    await h.ephemeral([[bob, "room.send", {
      conversationId: r,
      clientMsgId: "m1",
      body: "hi all",
    }]]);
    const got = async (u: string) =>
      (await h.framesTo(u, "room.msg")).filter((f) => f.data.clientMsgId === "m1").length;
    assert.deepEqual([await got(alice), await got(bob), await got(carol)], [1, 1, 0]);
    const [absent] = await h.ephemeral([[carol, "room.send", {
      conversationId: r,
      clientMsgId: "m2",
      body: "x",
    }]]);
    assert.equal((await h.replies([absent]))[0].data.code, ErrorCode.NOT_IN_ROOM);
    assert.equal(await got(alice), 1, "nothing from someone not present");

    await h.ephemeral([[bob, "room.leave", { conversationId: r }]]);
    await h.ephemeral([[alice, "room.send", {
      conversationId: r,
      clientMsgId: "m3",
      body: "still here?",
    }]]);
    assert.equal(
      (await h.framesTo(bob, "room.msg")).filter((f) => f.data.clientMsgId === "m3").length,
      0,
    );

    assert.equal(
      (await h.tx(bob, "room.close", { conversationId: r })).data.code,
      ErrorCode.FORBIDDEN,
    );
    assert.equal((await h.tx(alice, "room.close", { conversationId: r })).data.closed, true);
    const [late] = await h.ephemeral([[carol, "room.join", { conversationId: r }]]);
    assert.equal((await h.replies([late]))[0].data.code, ErrorCode.ROOM_CLOSED);
    assert.equal(await env.redis.exists(env.keys.watchers(r)), 0, "the audience is gone");
    const [none] = await h.ephemeral([[carol, "room.join", { conversationId: "r:42" }]]);
    assert.equal((await h.replies([none]))[0].data.code, ErrorCode.NOT_FOUND);
    const wrong = await h.tx(alice, "msg.send", {
      conversationId: r,
      clientMsgId: "x1",
      kind: "text",
      body: "x",
    });
    assert.equal(wrong.data.code, ErrorCode.WRONG_KIND);
  } finally {
    await env.close();
  }
});

Deno.test("rooms: 3000 connections join in one burst, one message reaches them all, nothing is stored per member", async () => {
  const env = await testEnv();
  try {
    const [owner] = await createUsers(env, "owner");
    const h = new Harness(env);
    const r =
      (await h.tx(owner, "room.create", { clientKey: "big", title: "stream" })).data.conversationId;
    const viewers = Array.from({ length: 3000 }, (_, i) => String(1_000_000 + i));
    const t0 = performance.now();
    await h.ephemeral(viewers.map((v) => [v, "room.join", { conversationId: r }]));
    const joinMs = performance.now() - t0;
    assert.equal(await env.redis.zcard(env.keys.watchers(r)), 3000);
    const t1 = performance.now();
    await h.ephemeral([[viewers[0], "room.send", {
      conversationId: r,
      clientMsgId: "hello",
      body: "first!",
    }]]);
    const sendMs = performance.now() - t1;
    const delivered = (await h.frames()).filter((f) => f.frame.type === "room.msg")
      .reduce((n, f) => n + f.conns.length, 0);
    assert.equal(delivered, 3000);
    assert.ok(
      joinMs < 10_000 && sendMs < 5_000,
      `join ${joinMs.toFixed(0)} ms, send ${sendMs.toFixed(0)} ms`,
    );
    const stored = await env.db.selectFrom("conversation_members").select("user_id").execute();
    assert.equal(stored.length, 0, "no row per viewer");
  } finally {
    await env.close();
  }
});
