/** Mentions (validated; @all for moderators) and group receipts derived from read cursors. */
import assert from "node:assert/strict";
import { ErrorCode } from "@im/protocol";
import { testEnv } from "@im/shared/testing";
import { createUsers } from "../../test_support.ts";
import { Harness, inboxEntries, makeGroup, text } from "./test_support.ts";

const stateOf = async (h: Harness, user: string, g: string) =>
  (await h.read(user, "sync", { inbox: "" })).data.conversations
    .find((c: { conversationId: string }) => c.conversationId === g);

Deno.test("mentions: members only, @all for the owner and admins, and the state says so until read", async () => {
  const env = await testEnv();
  try {
    const [alice, bob, carol, dave] = await createUsers(env, "alice", "bob", "carol", "dave");
    const h = new Harness(env);
    await h.online(bob);
    const g = await makeGroup(h, alice, [bob, carol]);
    const code = async (u: string, data: unknown) => (await h.tx(u, "msg.send", data)).data.code;
    assert.equal(await code(bob, text(g, "hey", { mentions: [dave] })), ErrorCode.MENTION_INVALID);
    assert.equal(
      await code(bob, text(g, "all", { mentionAll: true })),
      ErrorCode.MENTION_ALL_FORBIDDEN,
    );
    assert.equal(
      await code(bob, {
        to: carol,
        clientMsgId: "dm1",
        kind: "text",
        body: "x",
        mentions: [carol],
      }),
      ErrorCode.MENTION_INVALID,
      "mentions are for groups",
    );
    const m = await h.tx(carol, "msg.send", text(g, "@bob", { mentions: [bob] }));
    const pushed = (await h.framesTo(bob, "msg.new")).find((f) => f.data.msgId === m.data.msgId);
    assert.deepEqual(pushed?.data.mentions, [bob]);
    let s = await stateOf(h, bob, g);
    assert.ok(s.mentionSeq === m.data.seq && s.readSeq < s.mentionSeq, "mentioned, unread");
    assert.equal((await stateOf(h, carol, g)).mentionSeq, 0, "the sender is not mentioned");
    await h.tx(bob, "msg.read", { conversationId: g, seq: m.data.seq });
    s = await stateOf(h, bob, g);
    assert.ok(s.readSeq >= s.mentionSeq, "read: no longer pending");

    const all = await h.tx(alice, "msg.send", text(g, "@all", { mentionAll: true }));
    assert.equal(all.type, "msg.sent");
    assert.equal((await stateOf(h, carol, g)).mentionSeq, all.data.seq);
    await h.tx(alice, "group.invite", { conversationId: g, userIds: [dave] });
    assert.equal((await stateOf(h, dave, g)).mentionSeq, 0, "@all before joining is not for him");
    assert.equal(
      (await env.db.selectFrom("conversation_members").select("mention_seq").where(
        "conversation_id",
        "=",
        g,
      )
        .where("mention_seq", ">", 0).execute()).length,
      1,
      "@all is one conversation row, not a row per member",
    );
  } finally {
    await env.close();
  }
});

Deno.test("receipts: read by N per own message and who read it, from the read cursors; pushed to the senders only", async () => {
  const env = await testEnv({ groupReceiptsDetailMax: 4 });
  try {
    const [alice, bob, carol, dave, erin] = await createUsers(
      env,
      "alice",
      "bob",
      "carol",
      "dave",
      "erin",
    );
    const h = new Harness(env);
    await h.online(alice, bob, carol, dave);
    const g = await makeGroup(h, alice, [bob, carol, dave]);
    const m1 = await h.tx(alice, "msg.send", text(g, "one"));
    const m2 = await h.tx(alice, "msg.send", text(g, "two"));
    const other = await h.tx(bob, "msg.send", text(g, "bob's"));
    await h.tx(bob, "msg.read", { conversationId: g, seq: m2.data.seq });
    await h.tx(carol, "msg.read", { conversationId: g, seq: m1.data.seq });
    const receipts = async () =>
      (await h.read(alice, "group.receipts", {
        conversationId: g,
        seqs: [m1.data.seq, m2.data.seq, other.data.seq],
      })).data.receipts;
    assert.deepEqual(await receipts(), [
      { seq: m1.data.seq, readBy: 2 },
      { seq: m2.data.seq, readBy: 1 },
    ], "bob's message is not alice's to ask about");
    const who = await h.read(alice, "group.readers", { conversationId: g, seq: m1.data.seq });
    assert.deepEqual([who.data.readers.sort(), who.data.unread], [[bob, carol].sort(), [dave]]);
    const notMine = await h.read(alice, "group.readers", {
      conversationId: g,
      seq: other.data.seq,
    });
    assert.equal(notMine.data.code, ErrorCode.NOT_FOUND);

    // A read cursor reaches the senders it concerns, not everyone.
    assert.ok((await h.framesTo(alice, "receipt")).some((f) => f.data.by === carol));
    assert.equal((await h.framesTo(dave, "receipt")).length, 0);
    await h.tx(dave, "msg.delivered", { conversationId: g, seq: m2.data.seq });
    assert.ok(
      !(await h.framesTo(alice, "receipt")).some((f) => f.data.by === dave),
      "delivered is not pushed in groups",
    );

    // A member who leaves no longer counts; one who joins later never could have read it.
    await h.tx(carol, "group.leave", { conversationId: g });
    await h.tx(alice, "group.invite", { conversationId: g, userIds: [erin] });
    await h.tx(erin, "msg.read", {
      conversationId: g,
      seq: (await h.tx(alice, "msg.send", text(g))).data.seq,
    });
    assert.deepEqual((await receipts())[0], { seq: m1.data.seq, readBy: 1 });

    await h.tx(alice, "group.invite", { conversationId: g, userIds: [carol] });
    const big = await h.read(alice, "group.readers", { conversationId: g, seq: m1.data.seq });
    assert.equal(
      big.data.code,
      ErrorCode.RECEIPTS_DETAIL_UNAVAILABLE,
      "5 members > GROUP_RECEIPTS_DETAIL_MAX",
    );
  } finally {
    await env.close();
  }
});

Deno.test("recall in a group: the sender, or an admin for anyone's message", async () => {
  const env = await testEnv();
  try {
    const [alice, bob, carol] = await createUsers(env, "alice", "bob", "carol");
    const h = new Harness(env);
    await h.online(carol);
    const g = await makeGroup(h, alice, [bob, carol]);
    await h.tx(alice, "group.role", { conversationId: g, userId: bob, role: "admin" });
    const m = await h.tx(carol, "msg.send", text(g, "oops"));
    const r = await h.tx(bob, "msg.recall", { msgId: m.data.msgId });
    assert.deepEqual([r.type, r.data.by], ["msg.recalled", bob]);
    assert.ok((await h.framesTo(carol, "msg.recalled")).some((f) => f.data.msgId === m.data.msgId));
    const row = await env.db.selectFrom("messages").select(["body", "recalled_at"])
      .where("msg_id", "=", m.data.msgId).executeTakeFirstOrThrow();
    assert.deepEqual([row.body, row.recalled_at !== null], ["", true]);
    const inbox = await inboxEntries(env, g, r.data.recallSeq);
    assert.equal(inbox.length, 3, "the recall notice is in every member's inbox");
  } finally {
    await env.close();
  }
});
