/**
 * Sync by inbox cursor: one cursor covers every conversation with write diffusion, however many;
 * larger groups come from their own timelines after the device's cursor for each.
 */
import assert from "node:assert/strict";
import { ErrorCode, parseClientFrame } from "@im/protocol";
import { testEnv } from "@im/shared/testing";
import { createUsers } from "../../test_support.ts";
import { type Frame, Harness, makeGroup, text } from "./test_support.ts";

type Msg = { conversationId: string; seq: number; msgId: string };

Deno.test("inbox sync: one cursor pages a device through its direct chats and groups, then has nothing more", async () => {
  const env = await testEnv({ groupWriteDiffusionMax: 3 });
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
    const groups = [
      await makeGroup(h, alice, [bob]),
      await makeGroup(h, bob, [alice, carol]),
      await makeGroup(h, carol, [alice]),
    ];
    const big = await makeGroup(h, dave, [alice, bob, carol, erin]); // 5 members: read diffusion
    const sent: Frame[] = [];
    for (let i = 0; i < 4; i++) {
      sent.push(
        await h.tx(bob, "msg.send", { to: alice, clientMsgId: `d${i}`, kind: "text", body: "dm" }),
      );
      for (const g of groups) sent.push(await h.tx(alice, "msg.send", text(g)));
      sent.push(await h.tx(erin, "msg.send", text(big)));
    }
    const expected = new Set([
      ...sent.map((s) => s.data.msgId),
      ...(await env.db.selectFrom("messages").select("msg_id").where("kind", "=", "notice")
        .where("conversation_id", "in", [...groups, big]).execute()).map((m) => String(m.msg_id)),
    ]);

    // A new device: empty cursor; pages of 5; the large group by its own cursor.
    let inbox = "", pages = 0;
    const cursors = new Map<string, number>();
    const got: Msg[] = [];
    for (;;) {
      const r = await h.read(alice, "sync", {
        inbox,
        limit: 5,
        cursors: [...cursors].map(([conversationId, seq]) => ({ conversationId, seq })),
      });
      assert.equal(r.type, "sync.page", JSON.stringify(r));
      pages++;
      for (const c of r.data.conversations) {
        got.push(...c.messages);
        const top = Math.max(
          cursors.get(c.conversationId) ?? 0,
          ...c.messages.map((m: Msg) => m.seq),
        );
        if (top > 0) cursors.set(c.conversationId, top);
      }
      assert.ok(r.data.conversations.flatMap((c: { messages: Msg[] }) => c.messages).length <= 5);
      inbox = r.data.inbox;
      if (!r.data.more) break;
      assert.ok(pages < 50, "sync terminates");
    }
    assert.deepEqual(
      new Set(got.map((m) => m.msgId)),
      expected,
      "everything, once the pages are done",
    );
    assert.equal(got.length, expected.size, "and nothing twice");
    assert.match(inbox, /^\d+:\d+$/, "all of it came through one partition's positions here");

    // Caught up: the next sync has nothing, and a new message comes after the same cursor.
    const held = [...cursors].map(([conversationId, seq]) => ({ conversationId, seq }));
    const idle = await h.read(alice, "sync", { inbox, cursors: held });
    assert.equal(idle.data.conversations.flatMap((c: { messages: Msg[] }) => c.messages).length, 0);
    const late = await h.tx(carol, "msg.send", text(groups[2], "late"));
    const next = await h.read(alice, "sync", { inbox, cursors: held });
    const news = next.data.conversations.filter((c: { messages: Msg[] }) => c.messages.length);
    assert.deepEqual(news.map((c: { messages: Msg[] }) => c.messages.map((m) => m.msgId)), [[
      late.data.msgId,
    ]]);
    assert.equal(news[0].conversationId, groups[2]);
  } finally {
    await env.close();
  }
});

Deno.test("inbox sync: a cursor naming a partition the deployment lacks is refused; states carry mentions", async () => {
  const env = await testEnv();
  try {
    const [alice, bob] = await createUsers(env, "alice", "bob");
    const h = new Harness(env);
    const bad = await h.read(alice, "sync", { inbox: `${env.config.partitions}:5` });
    assert.equal(bad.data.code, ErrorCode.CURSOR_INVALID);
    const malformed = parseClientFrame(JSON.stringify({ type: "sync", data: { inbox: "x" } }));
    assert.equal(malformed.ok, false, "the edge refuses a cursor of another shape");
    const g = await makeGroup(h, alice, [bob]);
    const m = await h.tx(alice, "msg.send", text(g, "@bob look", { mentions: [bob] }));
    const s = await h.read(bob, "sync", { inbox: "" });
    const state = s.data.conversations.find((c: { conversationId: string }) =>
      c.conversationId === g
    );
    assert.equal(state.mentionSeq, m.data.seq);
    assert.deepEqual(state.messages.at(-1).mentions, [bob]);
  } finally {
    await env.close();
  }
});

Deno.test("inbox sync: a plain sync's last page hands over the inbox cursor, and only what is newer follows", async () => {
  const env = await testEnv();
  try {
    const [alice, bob] = await createUsers(env, "alice", "bob");
    const h = new Harness(env);
    const g = await makeGroup(h, alice, [bob]);
    for (let i = 0; i < 3; i++) await h.tx(alice, "msg.send", text(g));
    const first = await h.read(bob, "sync", { limit: 2 });
    assert.deepEqual([first.data.more, first.data.inbox], [true, undefined], "not before the end");
    const last = await h.read(bob, "sync", { cursors: [{ conversationId: g, seq: 2 }] });
    assert.equal(last.data.more, false);
    assert.match(last.data.inbox, /^\d+:\d+$/);
    const fresh = await h.tx(alice, "msg.send", text(g, "new"));
    const next = await h.read(bob, "sync", { inbox: last.data.inbox });
    const got = next.data.conversations.flatMap((c: { messages: Msg[] }) => c.messages);
    assert.deepEqual(got.map((m: Msg) => m.msgId), [fresh.data.msgId]);
  } finally {
    await env.close();
  }
});
