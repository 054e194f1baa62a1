import assert from "node:assert/strict";
import { type TestEnv, testEnv } from "@im/shared/testing";
import { createLogger } from "@im/shared/log";
import { CONSUMER_GROUP } from "@im/shared/keys";
import { directConversationId } from "@im/protocol";
import { targetOf } from "@im/shared/routing";
import { encodeEnvelope, ENVELOPE_FIELD } from "@im/shared/wire";
import { startWorker } from "../worker.ts";
import { createUsers, sendEntry } from "../test_support.ts";

const log = createLogger((Deno.env.get("TEST_LOG") ?? "error") as "error");
const P = 4;

async function until(what: string, check: () => Promise<boolean>, ms = 10_000) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function enqueue(env: TestEnv, from: string, to: string, clientMsgId: string, body = "hi") {
  const e = sendEntry(from, to, clientMsgId, body);
  const { stream } = targetOf(e.env.frame, from, env.keys, env.config.partitions);
  await env.redis.xadd(stream, "*", ENVELOPE_FIELD, encodeEnvelope(e.env));
  return stream;
}

const pendingCount = async (env: TestEnv, stream: string) =>
  (await env.redis.xpending(stream, CONSUMER_GROUP) as [number])[0];

const countMessages = async (env: TestEnv) =>
  (await env.db.selectFrom("messages").select("msg_id").execute()).length;

Deno.test("consumer: a new owner reclaims a dead worker's pending entries before new ones", async () => {
  const env = await testEnv({
    partitions: P,
    leaseTtlMs: 600,
    blockMs: 100,
    workerPort: 0,
    host: "127.0.0.1",
  });
  try {
    const [alice, bob] = await createUsers(env, "alice", "bob");
    const stream = await enqueue(env, alice, bob, "before-crash");
    await env.redis.xgroup("CREATE", stream, CONSUMER_GROUP, "0", "MKSTREAM").catch(() => {});
    // A worker that read the entry and died before committing: it stays pending under its name.
    const read = await env.redis.xreadgroup(
      "GROUP",
      CONSUMER_GROUP,
      "dead-worker",
      "COUNT",
      10,
      "STREAMS",
      stream,
      ">",
    );
    assert.equal((read as unknown[]).length, 1);
    await enqueue(env, alice, bob, "after-crash");

    const w = await startWorker(env.config, log);
    try {
      await until("both messages stored", async () => (await countMessages(env)) === 2);
      const rows = await env.db.selectFrom("messages").select(["client_msg_id", "seq"]).orderBy(
        "seq",
      ).execute();
      assert.deepEqual(
        rows.map((r) => r.client_msg_id),
        ["before-crash", "after-crash"],
        "reclaimed first, in order",
      );
      await until("nothing pending", async () => (await pendingCount(env, stream)) === 0);
    } finally {
      await w.stop();
    }
  } finally {
    await env.close();
  }
});

Deno.test("consumer: a poison entry is dead-lettered after MAX_DELIVERIES and its neighbours still commit", async () => {
  const env = await testEnv({
    partitions: 1,
    leaseTtlMs: 600,
    blockMs: 100,
    maxDeliveries: 3,
    workerPort: 0,
    host: "127.0.0.1",
  });
  try {
    const [alice, bob] = await createUsers(env, "alice", "bob");
    const stream = env.keys.partition(0);
    await enqueue(env, alice, bob, "ok-1");
    // Decodes, but its data crashes the handler (a body that is no string): every attempt
    // throws something that is not bad input, so it is retried as transient.
    const poison = {
      ...sendEntry(alice, bob, "x").env,
      frame: {
        type: "msg.send",
        id: "rp",
        data: { to: bob, clientMsgId: "x", kind: "text", body: 42 },
      },
    };
    await env.redis.xadd(stream, "*", "e", JSON.stringify(poison));
    await env.redis.xadd(stream, "*", "junk", "not an envelope");
    await enqueue(env, alice, bob, "ok-2");

    const w = await startWorker(env.config, log);
    try {
      await until("dead letters", async () => (await env.redis.xlen(env.keys.deadLetters())) === 2);
      await until("neighbours stored", async () => (await countMessages(env)) === 2);
      const dead = await env.redis.xrange(env.keys.deadLetters(), "-", "+");
      const reasons = dead.map(([, f]) => f[f.indexOf("reason") + 1]).sort();
      assert.deepEqual(reasons, ["max deliveries exceeded", "undecodable entry"]);
      assert.equal(
        w.metrics.render().includes('im_dead_letters_total{reason="max deliveries exceeded"} 1'),
        true,
      );
      // Burying is XADD to the dead letters, then the ack with the senders' answers.
      await until("dead letters are acked", async () => (await pendingCount(env, stream)) === 0);
    } finally {
      await w.stop();
    }
  } finally {
    await env.close();
  }
});

Deno.test("consumer: an old worker answers a frame type it does not know on any lane, acks it, never dead-letters it", async () => {
  const env = await testEnv({
    partitions: 1,
    leaseTtlMs: 600,
    blockMs: 100,
    maxDeliveries: 2,
    workerPort: 0,
    host: "127.0.0.1",
  });
  try {
    const [alice, bob] = await createUsers(env, "alice", "bob");
    // What a newer gateway would route: a type this build has no handler for, on each stream.
    const future = (id: string) =>
      encodeEnvelope({
        ...sendEntry(alice, bob, id).env,
        frame: { type: "msg.teleport", id, data: {} } as never,
      });
    const streams = [env.keys.partition(0), env.keys.reads(), env.keys.ephemeral()];
    for (const [i, s] of streams.entries()) {
      await env.redis.xadd(s, "*", ENVELOPE_FIELD, future(`f${i}`));
    }
    await enqueue(env, alice, bob, "after");
    const w = await startWorker(env.config, log);
    try {
      await until("the message after it is stored", async () => (await countMessages(env)) === 1);
      const answers = async () =>
        (await env.redis.xrange(env.keys.gateway("g1"), "-", "+"))
          .flatMap(([, f]) => f[1].split("\n"))
          .filter((l) => l.includes('"code":1002')).length;
      await until("all three answered UNKNOWN_TYPE", async () => (await answers()) === 3);
      for (const s of streams.slice(0, 2)) {
        assert.equal(await pendingCount(env, s), 0, `${s}: acked, not left pending`);
      }
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(await env.redis.xlen(env.keys.deadLetters()), 0, "never dead-lettered");
    } finally {
      await w.stop();
    }
  } finally {
    await env.close();
  }
});

Deno.test("consumer: a blocked partition holds back only itself; its own batches keep their order", async () => {
  const env = await testEnv({
    partitions: P,
    leaseTtlMs: 8000, // the worker's lock wait timeout: 8 s
    blockMs: 100,
    txInFlight: 2, // reads on while a transaction waits
    workerPort: 0,
    host: "127.0.0.1",
  });
  const { createDb } = await import("@im/shared/db");
  const locker = createDb(env.config.mysqlUrl, 1, { isolation: "READ COMMITTED" });
  try {
    const names = ["alice", "bob", "carol", "dave", "erin", "frank"];
    const ids = await createUsers(env, ...names);
    const partitionOf = (a: string, b: string) =>
      targetOf(sendEntry(a, b, "x").env.frame, a, env.keys, P).stream;
    const [alice, bob] = ids;
    const other = ids.slice(2).find((u) => partitionOf(alice, u) !== partitionOf(alice, bob))!;
    assert.ok(other, "two conversations on different partitions");
    const w = await startWorker(env.config, log);
    try {
      await enqueue(env, alice, bob, "a1");
      await until("a1 stored", async () => (await countMessages(env)) === 1);
      // Another session locks alice-bob's head: the next batch of that partition must wait.
      let release!: () => void;
      const released = new Promise<void>((r) => (release = r));
      const holding = locker.transaction().execute(async (tx) => {
        await tx.selectFrom("conversations").select("id")
          .where("id", "=", directConversationId(alice, bob)).forUpdate().execute();
        await released;
      });
      await new Promise((r) => setTimeout(r, 100));
      await enqueue(env, alice, bob, "a2");
      await new Promise((r) => setTimeout(r, 200)); // a2's batch is read and waits on the lock
      await enqueue(env, alice, other, "o1");
      await enqueue(env, alice, bob, "a3");
      // The other partition commits while a2's transaction still waits.
      // (Well inside the lock wait timeout, after which a2's batch would fail and let o1 pass.)
      await until(
        "o1 stored past the blocked batch",
        async () => (await countMessages(env)) === 2,
        3000,
      );
      const stored = await env.db.selectFrom("messages").select("client_msg_id").execute();
      assert.deepEqual(stored.map((r) => r.client_msg_id).sort(), ["a1", "o1"]);
      release();
      await holding;
      await until("all stored", async () => (await countMessages(env)) === 4);
      const ab = await env.db.selectFrom("messages").select(["client_msg_id", "seq"])
        .where("conversation_id", "=", directConversationId(alice, bob)).orderBy("seq").execute();
      assert.deepEqual(ab.map((r) => [r.client_msg_id, Number(r.seq)]), [
        ["a1", 1],
        ["a2", 2],
        ["a3", 3],
      ]);
    } finally {
      await w.stop();
    }
  } finally {
    await locker.destroy();
    await env.close();
  }
});

/**
 * One worker owning the only partition, with alice and bob, for the orphan tests: `fn` runs once
 * alice's "first" message is stored.
 */
async function withOwnerOfOne(
  fn: (env: TestEnv, alice: string, bob: string, stream: string) => Promise<void>,
) {
  const env = await testEnv({
    partitions: 1,
    leaseTtlMs: 600,
    blockMs: 100,
    workerPort: 0,
    host: "127.0.0.1",
  });
  try {
    const [alice, bob] = await createUsers(env, "alice", "bob");
    const w = await startWorker(env.config, log);
    try {
      await enqueue(env, alice, bob, "first");
      await until("first stored", async () => (await countMessages(env)) === 1);
      await fn(env, alice, bob, env.keys.partition(0));
    } finally {
      await w.stop();
    }
  } finally {
    await env.close();
  }
}

/**
 * A previous owner's read that returned after its lease went: `e` is appended and delivered to
 * "gone-owner" in one transaction, so the running worker's blocked read never sees it. Returns
 * how many entries that read got.
 */
async function orphan(env: TestEnv, stream: string, e: ReturnType<typeof sendEntry>) {
  const [, [, got]] = await env.redis.multi()
    .xadd(stream, "*", ENVELOPE_FIELD, encodeEnvelope(e.env))
    .xreadgroup("GROUP", CONSUMER_GROUP, "gone-owner", "COUNT", 1, "STREAMS", stream, ">")
    .exec() as [[null, string], [null, Array<[string, unknown[]]>]];
  return got[0][1].length;
}

Deno.test("consumer: an entry left pending under another consumer in an owned partition is swept up", () =>
  withOwnerOfOne(async (env, alice, bob, stream) => {
    const n = await orphan(env, stream, sendEntry(alice, bob, "orphan"));
    assert.equal(n, 1, "the entry is pending under the other consumer");
    await until("the orphan stored", async () => (await countMessages(env)) === 2, 15_000);
    await until("nothing pending", async () => (await pendingCount(env, stream)) === 0);
  }));

Deno.test("consumer: after a handover, entries a previous owner's late read took commit before later ones", () =>
  withOwnerOfOne(async (env, alice, bob, stream) => {
    // The previous owner's read returns after the handover: "second" is delivered to it...
    await orphan(env, stream, sendEntry(alice, bob, "second"));
    // ...and alice's next message reaches the new owner's read first.
    await enqueue(env, alice, bob, "third");
    await until("both stored", async () => (await countMessages(env)) === 3, 15_000);
    const rows = await env.db.selectFrom("messages").select(["client_msg_id", "seq"])
      .orderBy("seq").execute();
    assert.deepEqual(
      rows.map((r) => r.client_msg_id),
      ["first", "second", "third"],
      "alice's messages keep the order she sent them in",
    );
    await until("nothing pending", async () => (await pendingCount(env, stream)) === 0);
  }));
