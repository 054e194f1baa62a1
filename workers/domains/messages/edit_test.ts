/**
 * Edits and reactions through the real batch processor: who may edit and until when, the message
 * keeping its seq with the new text in place, the notice that brings offline devices the latest
 * version, and reaction counts with "me" per reader.
 */
import assert from "node:assert/strict";
import { ErrorCode } from "@im/protocol";
import { testEnv } from "@im/shared/testing";
import {
  createGroup,
  createUsers,
  entryOf,
  envelope,
  processorFor,
  resultFrames,
  richSend,
  run,
  serveReads,
  uploaded,
} from "../../test_support.ts";
import { checkEdit } from "./edit.ts";
import type { StoredMessage } from "./tables.ts";

let n = 0;
const frame = (user: string, type: string, data: unknown) =>
  entryOf(envelope(user, { type, id: `${type}-${++n}`, data } as never));

Deno.test("edit check: sender, window, kinds (pure)", () => {
  const m: StoredMessage = {
    msgId: "5",
    conversationId: "d:1:2",
    seq: 1,
    senderId: "1",
    clientMsgId: "c",
    kind: "text",
    body: "x",
    createdAt: 1_000_000,
    sourceEntry: "1-0",
  };
  const check = (over: Partial<StoredMessage>, user = "1", now = 1_000_000) =>
    checkEdit({ ...m, ...over }, user, ["1", "2"], now, 60)?.code ?? null;
  assert.equal(check({}), null);
  assert.equal(check({}, "1", 1_060_000), null, "the last millisecond of the window");
  assert.equal(check({}, "1", 1_060_001), ErrorCode.EDIT_WINDOW);
  assert.equal(check({}, "2"), ErrorCode.NOT_SENDER);
  assert.equal(check({}, "3"), ErrorCode.NOT_FOUND);
  assert.equal(check({ recalledAt: 5 }), ErrorCode.ALREADY_RECALLED);
  assert.equal(check({ kind: "voice" }), ErrorCode.EDIT_NOT_ALLOWED);
  assert.equal(check({ kind: "location" }), ErrorCode.EDIT_NOT_ALLOWED);
  assert.equal(check({ content: { forwarded: { from: "2" } } }), ErrorCode.EDIT_NOT_ALLOWED);
  assert.equal(check({ kind: "edit" }), ErrorCode.NOT_FOUND);
  assert.equal(check({ kind: "image" }), null, "a caption can be edited");
});

Deno.test("edit: in place with the same seq; pushed; offline devices get the latest by sync", async () => {
  const env = await testEnv();
  try {
    const [alice, bob] = await createUsers(env, "alice", "bob");
    const g = await createGroup(env, "3", [alice, bob]);
    const { routes } = processorFor(env);
    await routes.set(bob, { deviceId: "phone", gatewayId: "g-bob", connId: "c-bob" });
    const first = richSend(alice, g, { kind: "text", body: "helo" });
    const sent = (await run(env, [first]))(first.env.frame.id!)!.data;
    const e1 = frame(alice, "msg.edit", { msgId: sent.msgId, body: "hello" });
    const e2 = frame(alice, "msg.edit", { msgId: sent.msgId, body: "hello!" });
    const byBob = frame(bob, "msg.edit", { msgId: sent.msgId, body: "mine now" });
    const empty = frame(alice, "msg.edit", { msgId: sent.msgId, body: "" });
    const reply = await run(env, [e1, e2, byBob, empty]);
    assert.deepEqual(reply(e1.env.frame.id!)!.data.editSeq, 2);
    const last = reply(e2.env.frame.id!)!.data;
    assert.deepEqual([last.seq, last.editSeq, last.body, last.by], [1, 3, "hello!", alice]);
    assert.equal(reply(byBob.env.frame.id!)!.data.code, ErrorCode.NOT_SENDER);
    assert.equal(reply(empty.env.frame.id!)!.data.code, ErrorCode.BODY_LENGTH);
    const pushed = (await resultFrames(env, "g-bob")).filter((f) => f.frame.type === "msg.edited");
    assert.deepEqual(pushed.map((f) => f.frame.data.body), ["hello", "hello!"]);
    const row = await env.db.selectFrom("messages").selectAll().where("msg_id", "=", sent.msgId)
      .executeTakeFirstOrThrow();
    assert.deepEqual([row.seq, row.body, row.edited_at !== null], [1, "hello!", true]);

    // A device that saw only seq 1 syncs: the edit notices carry the current text.
    await serveReads(env, [
      envelope(bob, {
        type: "sync",
        id: "s1",
        data: { cursors: [{ conversationId: g, seq: 1 }] },
      }, { connId: "c-bob", gatewayId: "g-bob" }),
      envelope(bob, {
        type: "history",
        id: "h1",
        data: { conversationId: g },
      }, { connId: "c-bob", gatewayId: "g-bob" }),
    ]);
    const frames = (await resultFrames(env, "g-bob")).map((f) => f.frame);
    const page = frames.find((f) => f.id === "s1")!.data.conversations[0].messages;
    assert.deepEqual(page.map((m: { kind: string; ref: string }) => [m.kind, m.ref]), [
      ["edit", sent.msgId],
      ["edit", sent.msgId],
    ]);
    assert.deepEqual(page.map((m: { edit: { body: string } }) => m.edit.body), [
      "hello!",
      "hello!",
    ]);
    const history = frames.find((f) => f.id === "h1")!.data.messages;
    assert.deepEqual([history[0].body, history[0].edited, typeof history[0].editedAt], [
      "hello!",
      true,
      "number",
    ]);

    // Past the window: refused.
    await env.db.updateTable("messages").set({ created_at: Date.now() - 901_000 })
      .where("msg_id", "=", sent.msgId).execute();
    const late = frame(alice, "msg.edit", { msgId: sent.msgId, body: "too late" });
    assert.equal((await run(env, [late]))(late.env.frame.id!)!.data.code, ErrorCode.EDIT_WINDOW);
  } finally {
    await env.close();
  }
});

Deno.test("react: counts per emoji, idempotent, 'me' per reader, members only, capped", async () => {
  const env = await testEnv({ maxReactionsPerUser: 2 });
  try {
    const [alice, bob, carol] = await createUsers(env, "alice", "bob", "carol");
    const g = await createGroup(env, "4", [alice, bob, carol]);
    const img = await uploaded(env, g, alice, "image");
    const first = richSend(alice, g, { kind: "image", mediaId: img });
    const msgId = (await run(env, [first]))(first.env.frame.id!)!.data.msgId;
    const react = (u: string, emoji: string, add = true) =>
      frame(u, "msg.react", { msgId, emoji, add });
    const rs = [
      react(bob, "👍"),
      react(carol, "👍"),
      react(carol, "👍"), // twice: no change
      react(bob, "❤️"),
      react(bob, "😂"), // bob's third: over the cap of 2
      react(carol, "👍", false),
    ];
    const reply = await run(env, rs);
    assert.deepEqual(
      rs.map((r) => reply(r.env.frame.id!)!.data.count ?? reply(r.env.frame.id!)!.data.code),
      [
        1,
        2,
        2,
        1,
        ErrorCode.REACTION_LIMIT,
        1,
      ],
    );
    await env.db.updateTable("conversation_members").set({ left_seq: 1 })
      .where("conversation_id", "=", g).where("user_id", "=", carol).execute();
    const former = react(carol, "👍");
    assert.equal((await run(env, [former]))(former.env.frame.id!)!.data.code, ErrorCode.NOT_FOUND);
    await serveReads(env, [
      envelope(bob, { type: "history", id: "hb", data: { conversationId: g } }, {
        connId: "cb",
        gatewayId: "g-b",
      }),
      envelope(alice, { type: "history", id: "ha", data: { conversationId: g } }, {
        connId: "ca",
        gatewayId: "g-a",
      }),
    ]);
    // Emoji first used in the same millisecond (one batch) are ordered by their bytes.
    const view = async (gw: string, id: string) =>
      (await resultFrames(env, gw)).find((f) => f.frame.id === id)!.frame.data.messages[0];
    assert.deepEqual((await view("g-b", "hb")).reactions, [
      { emoji: "❤️", count: 1, me: true },
      { emoji: "👍", count: 1, me: true },
    ]);
    assert.deepEqual((await view("g-a", "ha")).reactions, [
      { emoji: "❤️", count: 1, me: false },
      { emoji: "👍", count: 1, me: false },
    ]);
  } finally {
    await env.close();
  }
});

Deno.test("recall of a media message erases its content and its media link", async () => {
  const env = await testEnv();
  try {
    const [alice, bob] = await createUsers(env, "alice", "bob");
    const g = await createGroup(env, "5", [alice, bob]);
    const img = await uploaded(env, g, alice, "image");
    const first = richSend(alice, g, { kind: "image", mediaId: img, body: "oops" });
    const msgId = (await run(env, [first]))(first.env.frame.id!)!.data.msgId;
    const recall = frame(alice, "msg.recall", { msgId });
    assert.equal((await run(env, [recall]))(recall.env.frame.id!)!.type, "msg.recalled");
    const row = await env.db.selectFrom("messages").selectAll().where("msg_id", "=", msgId)
      .executeTakeFirstOrThrow();
    assert.deepEqual([row.body, row.content, row.media_id], ["", null, null]);
  } finally {
    await env.close();
  }
});
