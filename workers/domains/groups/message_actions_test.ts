/**
 * Edit, react and recall on group messages, on the real worker and stores: the group's rights
 * apply (mutes to edits, moderators to recalls, nobody acts on a notice), the notices they store
 * reach the members' inboxes, and their pushes follow the group's fan-out (watchers only in a
 * large group).
 */
import assert from "node:assert/strict";
import { ErrorCode } from "@im/protocol";
import { testEnv } from "@im/shared/testing";
import { createUsers } from "../../test_support.ts";
import { Harness, inboxEntries, makeGroup, text } from "./test_support.ts";

const code = (r: { type: string; data: { code?: number } }) =>
  r.type === "error" ? r.data.code : r.type;

Deno.test("group messages: a muted member cannot edit; edit notices reach every inbox; notices are nobody's to act on", async () => {
  const env = await testEnv();
  try {
    const [alice, bob, carol] = await createUsers(env, "alice", "bob", "carol");
    const h = new Harness(env);
    await h.online(alice, bob, carol);
    const g = await makeGroup(h, alice, [bob, carol]);
    const sent = await h.tx(bob, "msg.send", text(g, "first"));
    assert.equal(sent.type, "msg.sent");

    const edited = await h.tx(bob, "msg.edit", { msgId: sent.data.msgId, body: "first, fixed" });
    assert.equal(edited.type, "msg.edited", JSON.stringify(edited));
    const entries = await inboxEntries(env, g, edited.data.editSeq);
    assert.deepEqual(
      entries.map((e) => e.userId).sort(),
      [alice, bob, carol].sort(),
      "the edit notice is in every member's inbox",
    );
    const pushed = await h.framesTo(carol, "msg.edited");
    assert.equal(pushed.at(-1)?.data.body, "first, fixed");

    await h.tx(alice, "group.mute", { conversationId: g, userId: bob, until: Date.now() + 60_000 });
    const refused = await h.tx(bob, "msg.edit", { msgId: sent.data.msgId, body: "spam" });
    assert.equal(code(refused), ErrorCode.MUTED);
    const row = await env.db.selectFrom("messages").select("body")
      .where("msg_id", "=", sent.data.msgId).executeTakeFirstOrThrow();
    assert.equal(row.body, "first, fixed", "a refused edit changes nothing");

    // Reacting works for any current member; the push reaches the others.
    const reacted = await h.tx(carol, "msg.react", {
      msgId: sent.data.msgId,
      emoji: "👍",
      add: true,
    });
    assert.equal(reacted.type, "msg.reaction", JSON.stringify(reacted));
    assert.ok((await h.framesTo(bob, "msg.reaction")).some((f) => f.data.count === 1));

    // A group notice: not recallable, editable, or a thing to react to, even by the owner.
    const notice = await env.db.selectFrom("messages").select("msg_id")
      .where("conversation_id", "=", g).where("kind", "=", "notice").orderBy("seq")
      .executeTakeFirstOrThrow();
    const id = String(notice.msg_id);
    assert.equal(code(await h.tx(alice, "msg.recall", { msgId: id })), ErrorCode.NOT_FOUND);
    assert.equal(
      code(await h.tx(alice, "msg.edit", { msgId: id, body: "x" })),
      ErrorCode.NOT_FOUND,
    );
    assert.equal(
      code(await h.tx(alice, "msg.react", { msgId: id, emoji: "👍", add: true })),
      ErrorCode.NOT_FOUND,
    );

    // The owner recalls bob's message (moderators may); a removed member can no longer react.
    assert.equal(
      (await h.tx(alice, "msg.recall", { msgId: sent.data.msgId })).type,
      "msg.recalled",
    );
    const other = await h.tx(alice, "msg.send", text(g, "second"));
    await h.tx(alice, "group.kick", { conversationId: g, userIds: [carol] });
    assert.equal(
      code(await h.tx(carol, "msg.react", { msgId: other.data.msgId, emoji: "👍", add: true })),
      ErrorCode.NOT_FOUND,
    );
  } finally {
    await env.close();
  }
});

Deno.test("group messages: in a large group, edits and reactions reach watching connections only", async () => {
  const env = await testEnv({ groupWriteDiffusionMax: 2 });
  try {
    const [alice, bob, carol] = await createUsers(env, "alice", "bob", "carol");
    const h = new Harness(env);
    await h.online(alice, bob, carol);
    const g = await makeGroup(h, alice, [bob, carol]); // 3 members: read diffusion
    await h.ephemeral([[bob, "group.watch", { conversationIds: [g] }]]);
    const sent = await h.tx(alice, "msg.send", text(g, "hello"));
    await h.tx(alice, "msg.edit", { msgId: sent.data.msgId, body: "hello all" });
    await h.tx(alice, "msg.react", { msgId: sent.data.msgId, emoji: "🎉", add: true });
    for (const type of ["msg.edited", "msg.reaction"]) {
      assert.equal((await h.framesTo(bob, type)).length, 1, `${type} to the watcher`);
      assert.equal((await h.framesTo(carol, type)).length, 0, `${type} not to a non-watcher`);
    }
  } finally {
    await env.close();
  }
});
