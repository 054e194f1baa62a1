/** The rebuild command's core repairs a damaged index to exactly what the messages say. */
import assert from "node:assert/strict";
import { testEnv } from "@im/shared/testing";
import { createUsers, entryOf, envelope, processorFor, sendEntry } from "../../test_support.ts";
import { MroongaIndex } from "./index/sql.ts";
import { rebuildIndex } from "./rebuild.ts";
import { drain, found } from "./test_support.ts";

Deno.test("rebuild: re-indexes every message, drops stale and stray entries, reports progress", async () => {
  const env = await testEnv();
  try {
    const [alice, bob] = await createUsers(env, "alice", "bob");
    const { processor } = processorFor(env);
    await processor.process(
      env.keys.partition(0),
      0,
      1,
      Array.from({ length: 30 }, (_, i) => sendEntry(alice, bob, `r${i}`, `entry ${i} 日本語`)),
    );
    const first = await env.db.selectFrom("messages").select("msg_id").orderBy("msg_id")
      .executeTakeFirstOrThrow();
    await processor.process(env.keys.partition(0), 0, 1, [
      entryOf(envelope(alice, {
        type: "msg.recall",
        id: "x",
        data: { msgId: String(first.msg_id) },
      })),
    ]);
    // Nothing drained: the index is empty, the outbox full; then damage it some more.
    await env.db.deleteFrom("search_outbox").execute();
    const index = new MroongaIndex(env.db);
    await index.write([{
      msgId: String(first.msg_id),
      conversationId: "d:1:2",
      seq: 1,
      senderId: alice,
      kind: "text",
      createdAt: 1,
      text: "stale recalled text",
    }, {
      msgId: "999999999999999999",
      conversationId: "d:1:2",
      seq: 99,
      senderId: alice,
      kind: "text",
      createdAt: 2,
      text: "a message that does not exist",
    }], []);
    const seen: number[] = [];
    const done = await rebuildIndex(env.db, (x) => new MroongaIndex(x), (p) => seen.push(p.done));
    assert.deepEqual([done.done, done.total, done.written], [31, 31, 29]);
    assert.equal(done.removed, 3, "the recalled one, its notice, and the stray entry");
    assert.equal(seen.at(-1), 31);
    const rows = await env.db.selectFrom("search_index").select("body").execute();
    assert.equal(rows.length, 29);
    assert.equal((await found(env, bob, { query: "日本語", limit: 50 })).length, 29);
    assert.equal(await drain(env), 0);
  } finally {
    await env.close();
  }
});
