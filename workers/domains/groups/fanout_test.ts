/**
 * Fan-out: write diffusion (an inbox entry and a push per member) up to
 * GROUP_WRITE_DIFFUSION_MAX, read diffusion above it (stored once, pushed only to watching
 * connections, nothing looked up per member), and removal that takes effect at once.
 */
import assert from "node:assert/strict";
import { ErrorCode } from "@im/protocol";
import { testEnv } from "@im/shared/testing";
import { createUsers } from "../../test_support.ts";
import { Harness, inboxEntries, makeGroup, text } from "./test_support.ts";

/** Records how many users each route lookup asked for: the per-member cost of a publish. */
function countLookups(h: Harness) {
  const asked: number[] = [];
  const lookup = h.routes.lookup.bind(h.routes);
  h.routes.lookup = (ids: string[]) => {
    asked.push(ids.length);
    return lookup(ids);
  };
  return asked;
}

Deno.test("fan-out: a small group writes an inbox entry per member and pushes to every member's devices", async () => {
  const env = await testEnv();
  try {
    const [alice, bob, carol] = await createUsers(env, "alice", "bob", "carol");
    const h = new Harness(env);
    await h.online(alice, bob, carol);
    const g = await makeGroup(h, alice, [bob, carol]);
    const sent = await h.tx(bob, "msg.send", text(g, "hello"));
    const rows = await inboxEntries(env, g, sent.data.seq);
    assert.deepEqual(rows.map((r) => r.userId).sort(), [alice, bob, carol].sort());
    assert.equal(
      new Set(rows.map((r) => r.at)).size,
      1,
      "one position per message",
    );
    for (const u of [alice, carol]) {
      assert.ok((await h.framesTo(u, "msg.new")).some((f) => f.data.body === "hello"), u);
    }
  } finally {
    await env.close();
  }
});

Deno.test("fan-out: a large group stores a message once and pushes it only to watching connections", async () => {
  const env = await testEnv({ groupWriteDiffusionMax: 2 });
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
    await h.online(alice, bob, carol, dave, erin);
    const g = await makeGroup(h, alice, [bob, carol, dave]);
    assert.equal((await h.read(alice, "group.info", { conversationId: g })).data.diffusion, "read");
    await h.ephemeral([[bob, "group.watch", { conversationIds: [g] }], [carol, "group.watch", {
      conversationIds: [g],
    }]]);
    const [refused] = await h.ephemeral([[erin, "group.watch", { conversationIds: [g] }]]);
    assert.equal((await h.replies([refused]))[0].data.code, ErrorCode.NOT_FOUND, "not a member");

    const asked = countLookups(h);
    const sent = await h.tx(alice, "msg.send", text(g, "to the crowd"));
    const got = (u: string) =>
      h.framesTo(u, "msg.new").then((fs) => fs.some((f) => f.data.msgId === sent.data.msgId));
    assert.deepEqual(
      [await got(bob), await got(carol), await got(dave), await got(erin)],
      [true, true, false, false],
      "only the watching connections; dave is online but not watching",
    );
    assert.ok(asked.every((n) => n <= 1), `no per-member route lookup (asked ${asked})`);
    const inbox = await inboxEntries(env, g, sent.data.seq);
    assert.equal(inbox.length, 0, "read diffusion: no inbox entries");
    // dave reads it from the group's timeline with his own cursor.
    const page = await h.read(dave, "sync", {
      inbox: "",
      cursors: [{ conversationId: g, seq: 1 }],
    });
    const conv = page.data.conversations.find((c: { conversationId: string }) =>
      c.conversationId === g
    );
    assert.ok(conv.messages.some((m: { msgId: string }) => m.msgId === sent.data.msgId));

    // Kicked: the live feed stops at once, and watching again is refused.
    await h.tx(alice, "group.kick", { conversationId: g, userIds: [carol] });
    const after = await h.tx(alice, "msg.send", text(g, "after the kick"));
    const carols = await h.framesTo(carol, "msg.new");
    assert.ok(carols.some((f) => f.data.notice?.event === "kicked"), "she hears of her removal");
    assert.ok(!carols.some((f) => f.data.msgId === after.data.msgId), "and nothing after it");
    await h.ephemeral([[carol, "group.watch", { conversationIds: [g] }]]);
    assert.equal(await env.redis.zscore(env.keys.watchers(g), `${carol}|${h.gw}|c-${carol}`), null);
    // Invited back: she may watch again.
    await h.tx(alice, "group.invite", { conversationId: g, userIds: [carol] });
    await h.ephemeral([[carol, "group.watch", { conversationIds: [g] }]]);
    assert.notEqual(
      await env.redis.zscore(env.keys.watchers(g), `${carol}|${h.gw}|c-${carol}`),
      null,
    );
  } finally {
    await env.close();
  }
});

Deno.test("fan-out: a member removed in a batch gets none of its messages, and cannot read past leaving", async () => {
  const env = await testEnv();
  try {
    const [alice, bob, carol] = await createUsers(env, "alice", "bob", "carol");
    const h = new Harness(env);
    await h.online(alice, bob, carol);
    const g = await makeGroup(h, alice, [bob, carol]);
    const before = await h.tx(alice, "msg.send", text(g, "before"));
    const [a, kick, b] = await h.batch([
      [alice, "msg.send", text(g, "same batch, sent first")],
      [alice, "group.kick", { conversationId: g, userIds: [carol] }],
      [bob, "msg.send", text(g, "same batch, sent after")],
    ]);
    assert.ok(kick.data.noticeSeq < a.data.seq, "management runs before the batch's messages");
    const carols = (await h.framesTo(carol, "msg.new")).map((f) => f.data.msgId);
    assert.ok(carols.includes(before.data.msgId));
    assert.ok(!carols.includes(a.data.msgId) && !carols.includes(b.data.msgId));
    const hist = await h.read(carol, "history", { conversationId: g });
    assert.equal(
      hist.data.messages.at(-1).seq,
      kick.data.noticeSeq,
      "her view ends at her removal",
    );
    const sync = await h.read(carol, "sync", { inbox: "" });
    const seen = sync.data.conversations.flatMap((c: { messages: Array<{ seq: number }> }) =>
      c.messages
    );
    assert.ok(seen.every((m: { seq: number }) => m.seq <= kick.data.noticeSeq));
    assert.equal((await h.tx(carol, "msg.send", text(g))).data.code, ErrorCode.NOT_FOUND);
    assert.equal(
      (await h.tx(carol, "msg.read", { conversationId: g, seq: b.data.seq })).data.code,
      ErrorCode.CURSOR_INVALID,
      "no cursor past what she may see",
    );
  } finally {
    await env.close();
  }
});
