import assert from "node:assert/strict";
import { testEnv } from "@im/shared/testing";
import { createLogger } from "@im/shared/log";
import { Lease } from "@im/shared/redis";
import { desiredOwner, PartitionManager } from "./partitions.ts";
import { claimFence } from "./fence.ts";
import { FencedError } from "./errors.ts";

const log = createLogger("error");

Deno.test("lease: one holder at a time, fences strictly increase, release is compare-and-delete", async () => {
  const env = await testEnv();
  try {
    const key = env.keys.partitionLease(0), fk = env.keys.partitionFence(0);
    const a = new Lease(env.redis, key, fk, "A", 300);
    const b = new Lease(env.redis, key, fk, "B", 300);
    const fa = await a.acquire();
    assert.ok(fa > 0);
    assert.equal(await b.acquire(), 0, "B must not take a held lease");
    assert.equal(await a.acquire(), fa, "re-acquire by the holder keeps its fence");
    await new Promise((r) => setTimeout(r, 400)); // A's lease expires (a pause)
    const fb = await b.acquire();
    assert.ok(fb > fa, "the next holder gets a larger fence");
    assert.equal(await a.renew(), false, "A cannot renew a lease it lost");
    await a.release(); // must not delete B's lease
    assert.equal(await env.redis.get(key), `B:${fb}`);
  } finally {
    await env.close();
  }
});

Deno.test("fence: a commit with an older fence is refused once a newer owner has claimed", async () => {
  const env = await testEnv();
  try {
    await env.db.transaction().execute((tx) => claimFence(tx, 3, 5));
    await assert.rejects(
      env.db.transaction().execute((tx) => claimFence(tx, 3, 4)),
      FencedError,
    );
    await env.db.transaction().execute((tx) => claimFence(tx, 3, 6));
    const row = await env.db.selectFrom("partition_fences").selectAll().executeTakeFirstOrThrow();
    assert.equal(Number(row.fence), 6);
  } finally {
    await env.close();
  }
});

Deno.test("partitions: rendezvous assignment covers every partition once", () => {
  const workers = ["w1", "w2", "w3"];
  const owners = Array.from({ length: 16 }, (_, p) => desiredOwner(p, workers));
  assert.ok(owners.every((o) => o && workers.includes(o)));
  assert.equal(new Set(owners).size, 3, `all workers get partitions: ${owners}`);
  // Removing a worker moves only its own partitions.
  const after = Array.from({ length: 16 }, (_, p) => desiredOwner(p, ["w1", "w2"]));
  owners.forEach((o, p) => {
    if (o !== "w3") assert.equal(after[p], o);
  });
});

Deno.test("partitions: handover when a worker joins and when one leaves", async () => {
  const env = await testEnv();
  const mk = (id: string) => new PartitionManager(env.redis, env.keys, id, 8, 1000, log);
  const a = mk("wa"), b = mk("wb");
  try {
    await a.heartbeat();
    await a.rebalance();
    assert.equal(a.owned().size, 8, "a lone worker owns everything");
    assert.equal(a.takeFresh().length, 8, "newly owned partitions are reported for reclaim");

    await b.heartbeat();
    await b.rebalance(); // b's partitions are still held by a
    assert.equal(b.owned().size, 0);
    await a.rebalance(); // a releases what is b's
    await b.rebalance();
    assert.equal(a.owned().size + b.owned().size, 8);
    assert.ok(b.owned().size > 0 && a.owned().size > 0);
    for (const p of b.owned().keys()) assert.equal(a.owned().has(p), false);

    await a.releaseAll(); // a leaves cleanly
    await b.rebalance();
    assert.equal(b.owned().size, 8);
  } finally {
    await b.releaseAll();
    await env.close();
  }
});

Deno.test("fence: a paused owner's batch cannot commit after a newer owner claimed the partition", async () => {
  const env = await testEnv();
  try {
    const { createUsers, processorFor, sendEntry } = await import("./test_support.ts");
    const [alice, bob] = await createUsers(env, "alice", "bob");
    const { processor } = processorFor(env);
    // The new owner (fence 2) has claimed; the old one (fence 1) wakes with a batch in hand.
    await env.db.transaction().execute((tx) => claimFence(tx, 0, 2));
    await assert.rejects(
      processor.process(env.keys.partition(0), 0, 1, [sendEntry(alice, bob, "late")]),
      FencedError,
    );
    assert.equal(
      (await env.db.selectFrom("messages").selectAll().execute()).length,
      0,
      "nothing committed",
    );
    assert.equal(await env.redis.exists(env.keys.gateway("g1")), 0, "nothing published");
  } finally {
    await env.close();
  }
});

Deno.test("batch: handlers run grouped by type, sends before the receipts and recalls that name them", async () => {
  const { runsByType } = await import("./batch.ts");
  const { txHandlers } = await import("./domains/mod.ts");
  const e = (type: string, id: string) => ({ id, partition: 0, env: { frame: { type } } }) as never;
  const { runs, unknown } = runsByType([
    e("msg.read", "1"),
    e("msg.send", "2"),
    e("sync", "3"),
    e("msg.recall", "4"),
    e("msg.send", "5"),
    e("msg.delivered", "6"),
  ], txHandlers);
  assert.deepEqual(
    runs.map((r: Array<{ id: string }>) => r.map((x) => x.id)),
    [["2", "5"], ["4"], ["6"], ["1"]],
  );
  // sync is on the read lane: on a partition stream it is a type the transactional table lacks.
  assert.deepEqual(unknown.map((x: { id: string }) => x.id), ["3"]);
});

Deno.test("fence: a transaction left open by a paused owner is aborted; the next owner claims", async () => {
  const env = await testEnv();
  const { createDb } = await import("@im/shared/db");
  const { raiseFence } = await import("./fence.ts");
  const opts = { isolation: "READ COMMITTED" as const, lockTimeoutSec: 1 };
  const oldOwner = createDb(env.config.mysqlUrl, 1, opts);
  const newOwner = createDb(env.config.mysqlUrl, 1, opts);
  try {
    await raiseFence(env.db, 5, 1);
    let release!: () => void;
    const paused = new Promise<void>((r) => (release = r));
    // The old owner locks its fence row, then "pauses" mid-transaction (no statements).
    const stale = oldOwner.transaction().execute(async (tx) => {
      await claimFence(tx, 5, 1);
      await paused;
      await tx.insertInto("partition_fences").values({ partition_id: 99, fence: "1" }).execute();
    });
    await new Promise((r) => setTimeout(r, 100));
    // The server aborts the idle transaction (idle_transaction_timeout), freeing the row; the
    // new owner's raise (which waits on the lock, up to innodb_lock_wait_timeout, then retries
    // in the consumer) goes through.
    let raised = false;
    for (let i = 0; i < 10 && !raised; i++) {
      raised = await raiseFence(newOwner, 5, 2).then(() => true, () => false);
    }
    assert.ok(raised, "the next owner raised the fence");
    release();
    await assert.rejects(stale, "the paused owner's transaction cannot commit");
    const rows = await env.db.selectFrom("partition_fences").selectAll().orderBy("partition_id")
      .execute();
    assert.deepEqual(rows.map((r) => [Number(r.partition_id), Number(r.fence)]), [[5, 2]]);
  } finally {
    await oldOwner.destroy().catch(() => {});
    await newOwner.destroy();
    await env.close();
  }
});

Deno.test("lease: a holder presumed dead can be displaced, a live one cannot; the fence still grows", async () => {
  const env = await testEnv();
  try {
    const key = env.keys.partitionLease(1), fk = env.keys.partitionFence(1);
    const a = new Lease(env.redis, key, fk, "A", 60_000);
    const b = new Lease(env.redis, key, fk, "B", 60_000);
    const fa = await a.acquire();
    assert.equal(await b.acquire("C"), 0, "only the named owner may be displaced");
    const fb = await b.acquire("A");
    assert.ok(fb > fa, "the displacing holder's fence is larger");
    assert.equal(await a.renew(), false, "A learns it lost the lease");
    assert.equal(Lease.ownerOf(await env.redis.get(key)), "B");
  } finally {
    await env.close();
  }
});

Deno.test("partitions: a worker is confident only while its own heartbeat is fresh", async () => {
  const env = await testEnv();
  let now = 1_000_000;
  const m = new PartitionManager(env.redis, env.keys, "w", 4, 10_000, log, 1000, () => now);
  try {
    assert.equal(m.confident(), false, "no heartbeat yet");
    await m.heartbeat();
    assert.equal(m.confident(), true);
    now += 1001; // paused past WORKER_DEAD_MS: others may have taken its partitions
    assert.equal(m.confident(), false);
  } finally {
    await env.close();
  }
});
