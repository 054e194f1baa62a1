/**
 * Nobody finds what they may not see: other people's conversations, a group before they joined
 * or after they left, what they deleted for themselves, recalled messages, an edited message's
 * old text; and one user's results never depend on what others wrote.
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
  sendEntry,
} from "../../test_support.ts";
import { reindexMessages } from "./outbox.ts";
import { drain, found, search } from "./test_support.ts";

Deno.test("search visibility: only your conversations, within your window, never recalled", async () => {
  const env = await testEnv();
  try {
    const [alice, bob, carol, dave] = await createUsers(env, "alice", "bob", "carol", "dave");
    const g = await createGroup(env, "9", [alice, bob, carol]);
    const { processor } = processorFor(env);
    const send = async (from: string, to: string, id: string, body: string) =>
      await processor.process(env.keys.partition(0), 0, 1, [sendEntry(from, to, id, body)]);
    await send(carol, dave, "cd1", "secret plans for friday");
    for (let i = 1; i <= 6; i++) await send(bob, g, `g${i}`, `meeting note ${i}`);
    await send(alice, bob, "ab1", "secret of alice and bob");
    await drain(env);

    assert.deepEqual(await found(env, alice, { query: "secret" }), ["secret of alice and bob"]);
    const theirs = `d:${[carol, dave].sort((a, b) => Number(a) - Number(b)).join(":")}`;
    const notMine = await search(env, alice, { query: "secret", conversationId: theirs });
    const noSuch = await search(env, alice, { query: "secret", conversationId: "g:424242" });
    assert.equal(notMine.type, "error");
    assert.deepEqual(notMine.data, noSuch.data, "not yours and no such look the same");
    assert.equal(notMine.data.code, ErrorCode.NOT_FOUND);

    const member = (u: string) =>
      env.db.updateTable("conversation_members").where("conversation_id", "=", g)
        .where("user_id", "=", u);
    await member(alice).set({ cleared_seq: 3 }).execute(); // joined without history / cleared 1..3
    await member(carol).set({ left_seq: 2 }).execute(); // left after seq 2
    const notes = (u: string) => found(env, u, { query: "meeting", conversationId: g });
    assert.deepEqual(await notes(alice), ["meeting note 6", "meeting note 5", "meeting note 4"]);
    assert.deepEqual(await notes(carol), ["meeting note 2", "meeting note 1"]);
    assert.equal((await notes(bob)).length, 6);
    assert.deepEqual(await found(env, carol, { from: bob }), ["meeting note 2", "meeting note 1"]);

    // Recall: gone at once (the stored row is checked), and from the index after the drain.
    const row = await env.db.selectFrom("messages").select("msg_id")
      .where("client_msg_id", "=", "ab1").executeTakeFirstOrThrow();
    const recall = entryOf(envelope(alice, {
      type: "msg.recall",
      id: "r1",
      data: { msgId: String(row.msg_id) },
    }));
    await processor.process(env.keys.partition(0), 0, 1, [recall]);
    assert.deepEqual(await found(env, alice, { query: "secret" }), [], "before the drain");
    assert.deepEqual(await found(env, bob, { from: alice }), []);
    await drain(env);
    const left = await env.db.selectFrom("search_index").select("msg_id")
      .where("msg_id", "=", row.msg_id).execute();
    assert.equal(left.length, 0, "the recalled message left the index");
  } finally {
    await env.close();
  }
});

Deno.test("search visibility: an edited message is found by its new text only", async () => {
  const env = await testEnv();
  try {
    const [alice, bob] = await createUsers(env, "alice", "bob");
    const { processor } = processorFor(env);
    await processor.process(env.keys.partition(0), 0, 1, [
      sendEntry(alice, bob, "e1", "see you at the station"),
    ]);
    await drain(env);
    assert.deepEqual(await found(env, bob, { query: "station" }), ["see you at the station"]);
    // What the edit handler does: change the body and queue the message, in one transaction.
    await env.db.transaction().execute(async (tx) => {
      const r = await tx.updateTable("messages").set({ body: "see you at the 机场 instead" })
        .where("client_msg_id", "=", "e1").executeTakeFirstOrThrow();
      assert.equal(Number(r.numUpdatedRows), 1);
      const m = await tx.selectFrom("messages").select("msg_id").where("client_msg_id", "=", "e1")
        .executeTakeFirstOrThrow();
      await reindexMessages({ tx, config: env.config }, [String(m.msg_id)]);
    });
    assert.deepEqual(await found(env, bob, { query: "station" }), [], "old text: stale entry");
    await drain(env);
    assert.deepEqual(await found(env, bob, { query: "station" }), []);
    assert.deepEqual(await found(env, bob, { query: "机场" }), ["see you at the 机场 instead"]);
  } finally {
    await env.close();
  }
});

Deno.test("search visibility: results never depend on other users' words (no match escalation)", async () => {
  const env = await testEnv();
  try {
    const [alice, bob, carol, dave] = await createUsers(env, "alice", "bob", "carol", "dave");
    const { processor } = processorFor(env);
    const send = async (from: string, to: string, id: string, body: string) => {
      await processor.process(env.keys.partition(0), 0, 1, [sendEntry(from, to, id, body)]);
      await drain(env);
    };
    await send(alice, bob, "a1", "helicopters everywhere");
    const before = await found(env, alice, { query: "helicopter" });
    await send(carol, dave, "c1", "one helicopter");
    const after = await found(env, alice, { query: "helicopter" });
    assert.deepEqual(before, after, "carol's word must not change alice's answer");
    assert.deepEqual(after, []);
  } finally {
    await env.close();
  }
});

Deno.test("search visibility: msg.edit through its handler re-indexes the message (new text only)", async () => {
  const env = await testEnv();
  try {
    const [alice, bob] = await createUsers(env, "alice", "bob");
    const { processor } = processorFor(env);
    const stream = env.keys.partition(0);
    await processor.process(stream, 0, 1, [sendEntry(alice, bob, "e1", "meet at the harbour")]);
    const [row] = await env.db.selectFrom("messages").select("msg_id").execute();
    await drain(env);
    assert.equal((await found(env, bob, { query: "harbour" })).length, 1);
    await processor.process(stream, 0, 1, [
      entryOf(envelope(alice, {
        type: "msg.edit",
        id: "ed",
        data: { msgId: String(row.msg_id), body: "meet at the station" },
      })),
    ]);
    await drain(env);
    assert.deepEqual(await found(env, bob, { query: "harbour" }), [], "the old text is gone");
    assert.equal((await found(env, bob, { query: "station" })).length, 1);
  } finally {
    await env.close();
  }
});
