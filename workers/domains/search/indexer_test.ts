/**
 * The index follows the message path without ever holding it up: queued in the message's own
 * transaction, applied after commit, idempotent when a drain dies half way (Mroonga is not
 * transactional), and a broken index never fails or loses a message.
 */
import assert from "node:assert/strict";
import { sql } from "kysely";
import { testEnv } from "@im/shared/testing";
import { createUsers, processorFor, resultFrames, sendEntry } from "../../test_support.ts";
import { applyToIndex } from "./indexer.ts";
import { MroongaIndex } from "./index/sql.ts";
import { reindexMessages } from "./outbox.ts";
import { drain, found } from "./test_support.ts";

const queued = async (env: { db: import("@im/shared/db").Db }) =>
  (await env.db.selectFrom("search_outbox").select("msg_id").execute()).map((r) => r.msg_id);

Deno.test("indexer: queued with the message, nothing when the transaction rolls back", async () => {
  const env = await testEnv();
  try {
    const [alice, bob] = await createUsers(env, "alice", "bob");
    const { processor } = processorFor(env);
    await processor.process(env.keys.partition(0), 0, 1, [
      sendEntry(alice, bob, "q1", "first words"),
      sendEntry(alice, bob, "q1", "first words"), // a resend: stored once, queued once
    ]);
    assert.equal((await queued(env)).length, 1);
    await env.db.transaction().execute(async (tx) => {
      await reindexMessages({ tx, config: env.config }, ["123456789"]);
    });
    await assert.rejects(
      env.db.transaction().execute(async (tx) => {
        await reindexMessages({ tx, config: env.config }, ["987654321"]);
        throw new Error("the message write failed");
      }),
    );
    assert.deepEqual((await queued(env)).length, 2, "the rolled back one left nothing");
    assert.equal(await drain(env), 2);
    assert.deepEqual(await queued(env), []);
    assert.deepEqual(await found(env, bob, { query: "words" }), ["first words"]);
    // SEARCH_ENGINE=off: the message path queues nothing.
    await reindexMessages({ tx: env.db, config: { searchEngine: "off" } }, ["1"]);
    assert.deepEqual(await queued(env), []);
  } finally {
    await env.close();
  }
});

Deno.test("indexer: a drain that dies after writing the index is applied again, to the same result", async () => {
  const env = await testEnv();
  try {
    const [alice, bob] = await createUsers(env, "alice", "bob");
    const { processor } = processorFor(env);
    await processor.process(env.keys.partition(0), 0, 1, [sendEntry(alice, bob, "x1", "alpha")]);
    const ids = (await queued(env)).map(String);
    // The index write (non-transactional) happens, then the transaction dies before COMMIT.
    await assert.rejects(
      env.db.transaction().execute(async (tx) => {
        await applyToIndex(tx, new MroongaIndex(tx), ids);
        throw new Error("worker killed before COMMIT");
      }),
    );
    assert.deepEqual((await queued(env)).map(String), ids, "still queued");
    assert.equal(await drain(env), 1);
    assert.equal(await drain(env), 0);
    const rows = await env.db.selectFrom("search_index").select(["msg_id", "body"]).execute();
    assert.deepEqual(rows.map((r) => [String(r.msg_id), r.body]), [[ids[0], "alpha"]]);
  } finally {
    await env.close();
  }
});

Deno.test("indexer: with the index broken, messages still go through; the queue catches up", async () => {
  const env = await testEnv();
  try {
    const [alice, bob] = await createUsers(env, "alice", "bob");
    const { processor } = processorFor(env);
    await sql`RENAME TABLE search_index TO search_index_away`.execute(env.db);
    await processor.process(env.keys.partition(0), 0, 1, [
      sendEntry(alice, bob, "b1", "still delivered", { connId: "c-a", gatewayId: "g-a" }),
    ]);
    const acks = (await resultFrames(env, "g-a")).filter((f) => f.frame.type === "msg.sent");
    assert.equal(acks.length, 1, "the send was acknowledged");
    await assert.rejects(drain(env), "the drain fails while the index is gone");
    assert.equal((await queued(env)).length, 1, "and keeps the entry");
    await sql`RENAME TABLE search_index_away TO search_index`.execute(env.db);
    assert.equal(await drain(env), 1);
    assert.deepEqual(await found(env, bob, { query: "delivered" }), ["still delivered"]);
  } finally {
    await env.close();
  }
});
