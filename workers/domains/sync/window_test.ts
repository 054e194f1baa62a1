/**
 * What a member may see: seqs in (cleared_seq, left_seq]. Sync and history honour the window, a
 * former member reads what they saw and gets nothing new, and cleared messages never come back.
 */
import assert from "node:assert/strict";
import { testEnv } from "@im/shared/testing";
import {
  createGroup,
  createUsers,
  envelope,
  processorFor,
  resultFrames,
  sendEntry,
  serveReads,
} from "../../test_support.ts";

Deno.test("window: sync and history show each member only their part; former members get no pushes", async () => {
  const env = await testEnv();
  try {
    const [alice, bob, carol] = await createUsers(env, "alice", "bob", "carol");
    const g = await createGroup(env, "42", [alice, bob, carol]);
    const { processor, routes } = processorFor(env);
    await routes.set(carol, { deviceId: "web", gatewayId: "g-carol", connId: "c-carol" });
    const send = (n: number) =>
      processor.process(env.keys.partition(0), 0, 1, [sendEntry(alice, g, `m${n}`, `text ${n}`)]);
    for (let i = 1; i <= 4; i++) await send(i);
    const member = (u: string) =>
      env.db.updateTable("conversation_members").where("conversation_id", "=", g)
        .where("user_id", "=", u);
    await member(bob).set({ cleared_seq: 2 }).execute(); // bob deleted 1..2 for himself
    await member(carol).set({ left_seq: 3 }).execute(); // carol left after seq 3
    await send(5);
    const pushedToCarol = (await resultFrames(env, "g-carol")).filter((f) =>
      f.frame.type === "msg.new"
    ).map((f) => f.frame.data.seq);
    assert.deepEqual(pushedToCarol, [1, 2, 3, 4], "nothing pushed after she left");

    const conn = (u: string) => ({ connId: `c-${u}`, gatewayId: `g-${u}` });
    await serveReads(env, [
      envelope(bob, { type: "sync", id: "sb", data: {} }, conn("bob")),
      envelope(carol, { type: "sync", id: "sc", data: {} }, conn("carol")),
      envelope(bob, { type: "history", id: "hb", data: { conversationId: g } }, conn("bob")),
      envelope(carol, { type: "history", id: "hc", data: { conversationId: g } }, conn("carol")),
      envelope(carol, {
        type: "history",
        id: "hc2",
        data: { conversationId: g, afterSeq: 4 },
      }, conn("carol")),
    ]);
    const reply = async (u: string, id: string) =>
      (await resultFrames(env, `g-${u}`)).find((f) => f.frame.id === id)!.frame;
    const seqs = (ms: Array<{ seq: number }>) => ms.map((m) => m.seq);
    const sb = (await reply("bob", "sb")).data.conversations[0];
    assert.deepEqual([seqs(sb.messages), sb.clearedSeq, sb.lastSeq], [[3, 4, 5], 2, 5]);
    const sc = (await reply("carol", "sc")).data.conversations[0];
    assert.deepEqual([seqs(sc.messages), sc.lastSeq], [[1, 2, 3], 3], "up to where she left");
    const hb = (await reply("bob", "hb")).data;
    assert.deepEqual([seqs(hb.messages), hb.more, hb.clearedSeq], [[3, 4, 5], false, 2]);
    const hc = (await reply("carol", "hc")).data;
    assert.deepEqual(seqs(hc.messages), [1, 2, 3]);
    const hc2 = await reply("carol", "hc2");
    assert.equal(hc2.type, "error", "asking past her window is a cursor beyond the end");
  } finally {
    await env.close();
  }
});
