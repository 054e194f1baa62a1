/**
 * Authorization of friends, blocks, profiles and conversation settings through a real gateway
 * and worker: identity is the connection's, so another user's lists, settings and cursors are
 * out of reach; and a friend request and a block, end to end over sockets.
 */
import assert from "node:assert/strict";
import { directConversationId, ErrorCode } from "@im/protocol";
import { type Session, startSystem, type System, TestSocket } from "./test_support.ts";

let n = 0;
const open = (s: Session, sys: System) =>
  TestSocket.open(`ws://127.0.0.1:${sys.gateways[0].port}/ws`, s.accessToken);
/** Sends a request and waits for whatever answers it (its reply or an error). */
async function ask(s: TestSocket, type: string, data: unknown = {}) {
  const id = `q${++n}`;
  s.send({ type, id, data });
  for (const end = Date.now() + 5000; Date.now() < end;) {
    const k = s.frames.findIndex((f) => f.id === id);
    if (k >= 0) return s.frames.splice(k, 1)[0];
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`no reply to ${type}`);
}

Deno.test("social rights: nobody reads or changes another user's friends, blocks, settings or list", async () => {
  const sys = await startSystem();
  try {
    const [alice, bob, carol, mallory] = [
      await sys.register("alice"),
      await sys.register("bob"),
      await sys.register("carol"),
      await sys.register("mallory"),
    ];
    const a = await open(alice, sys), b = await open(bob, sys), m = await open(mallory, sys);
    await ask(b, "friend.request", { userId: alice.userId });
    await ask(a, "block.add", { userId: carol.userId });
    const conv = directConversationId(alice.userId, bob.userId);
    await ask(a, "msg.send", { to: bob.userId, clientMsgId: "x1", kind: "text", body: "hi" });
    await ask(a, "conv.update", { conversationId: conv, pinned: true });
    for (let i = 0; i < 3; i++) {
      const who = await sys.register(`fan${i}`);
      const s = await open(who, sys);
      await ask(s, "friend.request", { userId: alice.userId });
      s.close();
    }
    const aliceIn = await ask(a, "friend.requests", { direction: "in", limit: 2 });
    assert.equal(aliceIn.data.requests.length, 2);

    // Mallory's own views are hers alone, and name no owner.
    assert.deepEqual((await ask(m, "friend.requests", { direction: "in" })).data.requests, []);
    assert.deepEqual((await ask(m, "block.list")).data.blocked, []);
    assert.deepEqual((await ask(m, "conv.list")).data.conversations, []);
    for (
      const [type, data] of [
        ["friend.list", { userId: alice.userId }],
        ["conv.list", { owner: alice.userId }],
        ["profile.update", { userId: alice.userId, bio: "pwned" }],
        ["profile.mine", { userId: alice.userId }],
      ] as const
    ) {
      assert.equal((await ask(m, type, data)).data.code, ErrorCode.INVALID_FRAME, type);
    }
    const code = async (type: string, data: unknown) => (await ask(m, type, data)).data.code;
    assert.equal(
      await code("friend.requests", { direction: "in", cursor: aliceIn.data.cursor }),
      ErrorCode.PAGE_CURSOR_INVALID,
      "alice's cursor is not mallory's",
    );
    assert.equal(await code("friend.accept", { userId: bob.userId }), ErrorCode.NO_SUCH_REQUEST);
    assert.equal(await code("friend.decline", { userId: bob.userId }), ErrorCode.NO_SUCH_REQUEST);
    assert.equal(await code("friend.cancel", { userId: alice.userId }), ErrorCode.NO_SUCH_REQUEST);
    assert.equal(await code("block.remove", { userId: carol.userId }), ErrorCode.NOT_BLOCKED);
    assert.equal(
      await code("conv.update", { conversationId: conv, muted: true }),
      ErrorCode.NOT_FOUND,
    );
    assert.equal(await code("conv.delete", { conversationId: conv }), ErrorCode.NOT_FOUND);
    assert.equal((await ask(m, "profile.update", { bio: "mine" })).data.userId, mallory.userId);

    // Alice's state is as she left it.
    const db = sys.env.db;
    const row = await db.selectFrom("conversation_members").selectAll()
      .where("conversation_id", "=", conv).where("user_id", "=", alice.userId)
      .executeTakeFirstOrThrow();
    assert.deepEqual([row.pinned, row.muted, row.cleared_seq, row.hidden], [1, 0, 0, 0]);
    assert.equal(
      (await db.selectFrom("user_blocks").selectAll().where("user_id", "=", alice.userId).execute())
        .length,
      1,
    );
    assert.equal(
      (await db.selectFrom("friend_requests").selectAll().where("to_id", "=", alice.userId)
        .execute()).length,
      4,
    );
    const users = await db.selectFrom("users").select(["id", "bio"]).execute();
    assert.deepEqual(
      users.filter((u) => u.bio !== "").map((u) => String(u.id)),
      [mallory.userId],
    );
    a.close(), b.close(), m.close();
  } finally {
    await sys.close();
  }
});

Deno.test("social over sockets: a request reaches the other user at once; a block refuses their message", async () => {
  const sys = await startSystem();
  try {
    const alice = await sys.register("alice", "a-phone");
    const bob = await sys.register("bob");
    const aliceWeb = await sys.login("alice", "a-web");
    const a1 = await open(alice, sys), a2 = await open(aliceWeb, sys), b = await open(bob, sys);
    const req = await ask(a1, "friend.request", { userId: bob.userId, message: "hi" });
    assert.equal(req.type, "friend.changed");
    assert.equal((await b.next("friend.changed")).data.request.message, "hi");
    assert.equal((await a2.next("friend.changed")).data.kind, "requested", "alice's other device");
    await ask(b, "block.add", { userId: alice.userId });
    const sent = await ask(a1, "msg.send", {
      to: bob.userId,
      clientMsgId: "after-block",
      kind: "text",
      body: "hello?",
    });
    assert.deepEqual([sent.type, sent.data.code], ["error", ErrorCode.REFUSED]);
    assert.equal(b.frames.filter((f) => f.type === "msg.new").length, 0);
    a1.close(), a2.close(), b.close();
  } finally {
    await sys.close();
  }
});
