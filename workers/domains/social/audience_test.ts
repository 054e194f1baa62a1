/**
 * Blocks and the stranger policy on the real send path: who is refused (one code, REFUSED, for
 * either cause), what still works (groups, resends of what was stored before), and block.add /
 * block.remove / block.list themselves.
 */
import assert from "node:assert/strict";
import { ErrorCode } from "@im/protocol";
import { testEnv } from "@im/shared/testing";
import { createGroup, createUsers, resultFrames, sendEntry } from "../../test_support.ts";
import { socialRig } from "./fixtures.ts";

const dm = (to: string, body = "hi") => ({
  to,
  clientMsgId: crypto.randomUUID().slice(0, 8),
  kind: "text",
  body,
});

Deno.test("blocks: either side's direct messages and friend requests are refused; groups are not", async () => {
  const env = await testEnv();
  try {
    const [alice, bob] = await createUsers(env, "alice", "bob");
    const g = await createGroup(env, "7", [alice, bob]);
    const rig = socialRig(env);
    await rig.online(alice, bob);
    await rig.ask(bob, "friend.request", { userId: alice });
    const blocked = await rig.ask(alice, "block.add", { userId: bob });
    assert.deepEqual([blocked.type, blocked.data.userId, blocked.data.blocked], [
      "block.changed",
      bob,
      true,
    ]);
    assert.equal((await rig.pushed(alice, "other", "block.changed")).length, 1);
    assert.equal((await rig.pushed(bob, "main", "block.changed")).length, 0, "never told");
    assert.equal(
      await env.db.selectFrom("friend_requests").select("from_id").executeTakeFirst(),
      undefined,
      "pending requests go",
    );
    assert.equal((await rig.ask(alice, "block.add", { userId: bob })).type, "block.changed");

    for (const [from, to] of [[bob, alice], [alice, bob]]) {
      const r = await rig.ask(from, "msg.send", dm(to));
      assert.deepEqual([r.type, r.data.code], ["error", ErrorCode.REFUSED]);
    }
    const fr = await rig.ask(bob, "friend.request", { userId: alice });
    assert.equal(fr.data.code, ErrorCode.REFUSED);
    assert.equal(
      (await rig.ask(bob, "msg.send", { ...dm(alice), to: undefined, conversationId: g })).type,
      "msg.sent",
      "a shared group still works",
    );
    assert.equal((await rig.ask(alice, "history", { conversationId: g })).data.messages.length, 1);
    const stored = await env.db.selectFrom("messages").select("conversation_id").execute();
    assert.deepEqual(stored.map((m) => m.conversation_id), [g]);

    const list = await rig.ask(alice, "block.list", {});
    assert.deepEqual(list.data.blocked.map((b: { userId: string }) => b.userId), [bob]);
    assert.deepEqual((await rig.ask(bob, "block.list", {})).data.blocked, [], "only your own");

    assert.equal((await rig.ask(alice, "block.remove", { userId: bob })).data.blocked, false);
    assert.equal((await rig.ask(bob, "msg.send", dm(alice))).type, "msg.sent");
    const again = await rig.ask(alice, "block.remove", { userId: bob });
    assert.equal(again.data.code, ErrorCode.NOT_BLOCKED);
    assert.equal(
      (await rig.ask(alice, "block.add", { userId: alice })).data.code,
      ErrorCode.SELF_TARGET,
    );
    assert.equal(
      (await rig.ask(alice, "block.add", { userId: "999999" })).data.code,
      ErrorCode.NO_SUCH_USER,
    );
    assert.equal(
      (await env.db.selectFrom("user_blocks").select("user_id").execute()).length,
      0,
      "bad blocks stored nothing",
    );
  } finally {
    await env.close();
  }
});

Deno.test("blocks: a resend of a message stored before the block gets its original ack", async () => {
  const env = await testEnv();
  try {
    const [alice, bob] = await createUsers(env, "alice", "bob");
    const rig = socialRig(env);
    await rig.processor.process(env.keys.partition(0), 0, 1, [sendEntry(alice, bob, "early")]);
    await rig.ask(bob, "block.add", { userId: alice });
    await rig.processor.process(env.keys.partition(0), 0, 1, [sendEntry(alice, bob, "early")]);
    const acks = (await resultFrames(env, "g1")).filter((f) => f.frame.id === "r-early");
    assert.deepEqual(acks.map((f) => [f.frame.type, f.frame.data.seq]), [
      ["msg.sent", 1],
      ["msg.sent", 1],
    ]);
    await rig.processor.process(env.keys.partition(0), 0, 1, [sendEntry(alice, bob, "late")]);
    const late = (await resultFrames(env, "g1")).find((f) => f.frame.id === "r-late")!;
    assert.equal(late.frame.data.code, ErrorCode.REFUSED);
  } finally {
    await env.close();
  }
});

Deno.test("stranger policy: friends-only refuses strangers (like a block, same code), friends pass", async () => {
  const env = await testEnv();
  try {
    const [alice, bob, carol] = await createUsers(env, "alice", "bob", "carol");
    const rig = socialRig(env);
    await rig.online(alice, bob, carol);
    const set = await rig.ask(bob, "profile.update", { dmPolicy: "friends" });
    assert.equal(set.data.dmPolicy, "friends");
    assert.equal((await rig.pushed(bob, "other", "profile.me")).length, 1);
    assert.equal((await rig.ask(alice, "msg.send", dm(bob))).data.code, ErrorCode.REFUSED);
    assert.equal((await rig.ask(bob, "msg.send", dm(alice))).type, "msg.sent", "one-way");
    assert.equal(
      (await rig.ask(alice, "msg.send", dm(bob))).data.code,
      ErrorCode.REFUSED,
      "an existing chat is still under the policy",
    );
    await rig.ask(alice, "friend.request", { userId: bob });
    await rig.ask(bob, "friend.accept", { userId: alice });
    assert.equal((await rig.ask(alice, "msg.send", dm(bob))).type, "msg.sent");
    assert.equal((await rig.ask(carol, "msg.send", dm(bob))).data.code, ErrorCode.REFUSED);
  } finally {
    await env.close();
  }
});

Deno.test("stranger policy: DM_POLICY=friends is the default; a user may open up", async () => {
  const env = await testEnv({ dmPolicy: "friends" });
  try {
    const [alice, bob] = await createUsers(env, "alice", "bob");
    const rig = socialRig(env);
    assert.equal((await rig.ask(bob, "profile.mine", {})).data.dmPolicy, "friends");
    assert.equal((await rig.ask(alice, "msg.send", dm(bob))).data.code, ErrorCode.REFUSED);
    await rig.ask(bob, "profile.update", { dmPolicy: "everyone" });
    assert.equal((await rig.ask(alice, "msg.send", dm(bob))).type, "msg.sent");
  } finally {
    await env.close();
  }
});
