/** The server-side conversation list and each member's settings, on real MySQL and Redis. */
import assert from "node:assert/strict";
import { ErrorCode } from "@im/protocol";
import { testEnv } from "@im/shared/testing";
import { createGroup, createUsers } from "../../test_support.ts";
import { type Frame, socialRig } from "../social/fixtures.ts";

let n = 0;
const text = (to: string, body = `m${++n}`) => ({
  ...(to.includes(":") ? { conversationId: to } : { to }),
  clientMsgId: `c${++n}`,
  kind: "text",
  body,
});
const ids = (p: Frame) =>
  p.data.conversations.map((c: { conversationId: string }) => c.conversationId);

Deno.test("conversation list: newest first, pinned first, unread from others, hide until the next message", async () => {
  const env = await testEnv();
  try {
    const [alice, bob, carol, dave] = await createUsers(env, "alice", "bob", "carol", "dave");
    const rig = socialRig(env);
    await rig.online(alice);
    const withBob = (await rig.ask(alice, "msg.send", text(bob))).data.conversationId;
    await tick();
    const withCarol = (await rig.ask(carol, "msg.send", text(alice, "hello from carol"))).data
      .conversationId;
    await rig.ask(carol, "msg.send", text(alice));
    await tick();
    const withDave = (await rig.ask(dave, "msg.send", text(alice))).data.conversationId;
    let page = await rig.ask(alice, "conv.list", {});
    assert.deepEqual(ids(page), [withDave, withCarol, withBob]);
    const carolItem = page.data.conversations[1];
    assert.deepEqual(
      [carolItem.kind, carolItem.peerId, carolItem.unread, carolItem.lastSeq, carolItem.member],
      ["direct", carol, 2, 2, true],
    );
    assert.equal(carolItem.lastMessage.from, carol);
    assert.equal(page.data.conversations[2].unread, 0, "my own message is not unread");
    assert.equal(page.data.cursor, undefined);

    const pin = await rig.ask(alice, "conv.update", { conversationId: withBob, pinned: true });
    assert.deepEqual(pin.data, {
      conversationId: withBob,
      pinned: true,
      muted: false,
      hidden: false,
      clearedSeq: 0,
    });
    assert.equal((await rig.pushed(alice, "other", "conv.changed")).length, 1, "my other device");
    await rig.ask(alice, "conv.update", { conversationId: withDave, muted: true });
    await rig.ask(alice, "msg.read", { conversationId: withCarol, seq: 2 });
    page = await rig.ask(alice, "conv.list", {});
    assert.deepEqual(ids(page), [withBob, withDave, withCarol]);
    assert.deepEqual(page.data.conversations.map((c: { muted: boolean }) => c.muted), [
      false,
      true,
      false,
    ]);
    assert.equal(page.data.conversations[2].unread, 0, "read");

    await rig.ask(alice, "conv.update", { conversationId: withDave, hidden: true });
    assert.deepEqual(ids(await rig.ask(alice, "conv.list", {})), [withBob, withCarol]);
    await tick();
    await rig.ask(dave, "msg.send", text(alice));
    page = await rig.ask(alice, "conv.list", {});
    assert.deepEqual(ids(page), [withBob, withDave, withCarol], "back with its next message");
    assert.equal(page.data.conversations[1].hidden, false);
    assert.equal(page.data.conversations[1].muted, true, "still muted");
  } finally {
    await env.close();
  }
});

Deno.test("conversation list: delete for me clears my history only; recalls show as placeholders; mentions", async () => {
  const env = await testEnv();
  try {
    const [alice, bob, carol] = await createUsers(env, "alice", "bob", "carol");
    const rig = socialRig(env);
    await rig.online(alice);
    const conv = (await rig.ask(bob, "msg.send", text(alice))).data.conversationId;
    await rig.ask(bob, "msg.send", text(alice));
    const del = await rig.ask(alice, "conv.delete", { conversationId: conv });
    assert.deepEqual([del.data.clearedSeq, del.data.hidden], [2, true]);
    assert.equal((await rig.pushed(alice, "other", "conv.changed"))[0].data.clearedSeq, 2);
    assert.deepEqual(ids(await rig.ask(alice, "conv.list", {})), []);
    assert.deepEqual((await rig.ask(alice, "history", { conversationId: conv })).data.messages, []);
    assert.equal(
      (await rig.ask(bob, "history", { conversationId: conv })).data.messages.length,
      2,
      "the other side keeps theirs",
    );
    const third = await rig.ask(bob, "msg.send", text(alice, "after"));
    const item = (await rig.ask(alice, "conv.list", {})).data.conversations[0];
    assert.deepEqual([item.clearedSeq, item.unread, item.lastMessage.body], [2, 1, "after"]);

    await rig.ask(bob, "msg.recall", { msgId: third.data.msgId });
    const recalled = (await rig.ask(alice, "conv.list", {})).data.conversations[0];
    assert.equal(recalled.lastMessage.kind, "recall", "the recall notice: a placeholder");
    assert.equal(recalled.unread, 0, "a recalled message is not unread");

    const g = await createGroup(env, "9", [alice, bob, carol]);
    await rig.ask(bob, "msg.send", text(g));
    await env.db.updateTable("conversation_members").set({ mention_seq: 1 })
      .where("conversation_id", "=", g).where("user_id", "=", alice).execute();
    const group = (await rig.ask(alice, "conv.list", {})).data.conversations[0];
    assert.deepEqual([group.conversationId, group.kind, group.mentioned], [g, "group", true]);
    assert.equal(group.peerId, undefined);
    await rig.ask(alice, "msg.read", { conversationId: g, seq: 1 });
    assert.equal((await rig.ask(alice, "conv.list", {})).data.conversations[0].mentioned, false);

    // A former member sees the group up to where they left, and nothing after.
    await env.db.updateTable("conversation_members").set({ left_seq: 1 })
      .where("conversation_id", "=", g).where("user_id", "=", carol).execute();
    await rig.ask(bob, "msg.send", text(g, "carol cannot see this"));
    const former = (await rig.ask(carol, "conv.list", {})).data.conversations[0];
    assert.deepEqual([former.lastSeq, former.member, former.lastMessage.seq], [1, false, 1]);
  } finally {
    await env.close();
  }
});

Deno.test("conversation list: pages with signed cursors; settings of a conversation not yours change nothing", async () => {
  const env = await testEnv();
  try {
    const [me, ...peers] = await createUsers(
      env,
      "me",
      ...Array.from({ length: 9 }, (_, i) => `p${i}`),
    );
    const rig = socialRig(env);
    for (const p of peers) await rig.ask(p, "msg.send", text(me)); // same ms often: ties
    const pins = [peers[4], peers[0], peers[7], peers[2], peers[5]].map((p) => convOf(me, p));
    for (const c of pins) await rig.ask(me, "conv.update", { conversationId: c, pinned: true });
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      // 3 a page: a page starts inside the pinned part and one crosses into the rest.
      const p = await rig.ask(me, "conv.list", { limit: 3, ...(cursor ? { cursor } : {}) });
      seen.push(...ids(p));
      cursor = p.data.cursor;
    } while (cursor);
    assert.deepEqual(seen.slice(0, 5).sort(), [...pins].sort(), "pinned first");
    assert.deepEqual([...seen].sort(), peers.map((p) => convOf(me, p)).sort(), "each once");
    const all = await rig.ask(me, "conv.list", {});
    assert.deepEqual(ids(all), seen, "pages in the order of one long page");
    const good: string = (await rig.ask(me, "conv.list", { limit: 4 })).data.cursor;
    const [payload, mac] = good.split(".");
    const tampered = `${payload.slice(0, -1)}${payload.at(-1) === "A" ? "B" : "A"}.${mac}`;
    for (const bad of [tampered, `${payload}.${mac.slice(1)}`]) {
      const r = await rig.ask(me, "conv.list", { cursor: bad });
      assert.equal(r.data.code, ErrorCode.PAGE_CURSOR_INVALID);
    }
    assert.equal(
      (await rig.ask(peers[0], "conv.list", { cursor: good })).data.code,
      ErrorCode.PAGE_CURSOR_INVALID,
      "another user's cursor",
    );

    const notMine = convOf(peers[0], peers[1]);
    await rig.ask(peers[0], "msg.send", text(peers[1]));
    const before = await env.db.selectFrom("conversation_members").selectAll()
      .orderBy("conversation_id").orderBy("user_id").execute();
    for (
      const [type, data] of [
        ["conv.update", { conversationId: notMine, pinned: true }],
        ["conv.delete", { conversationId: notMine }],
        ["conv.update", { conversationId: "g:424242", muted: true }],
      ] as const
    ) {
      const r = await rig.ask(me, type, data);
      assert.equal(r.data.code, ErrorCode.NOT_FOUND, `${type} ${data.conversationId}`);
    }
    const after = await env.db.selectFrom("conversation_members").selectAll()
      .orderBy("conversation_id").orderBy("user_id").execute();
    assert.deepEqual(after, before);
  } finally {
    await env.close();
  }
});

const convOf = (a: string, b: string) => BigInt(a) < BigInt(b) ? `d:${a}:${b}` : `d:${b}:${a}`;
const tick = () => new Promise((r) => setTimeout(r, 3));
