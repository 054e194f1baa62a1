/**
 * MariaDB Spider as the sharded store (docs/ARCHITECTURE.md, "Growing past one machine"):
 * `messages` and `conversations` sharded by conversation over two MariaDB servers behind a
 * Spider head, and the real worker running the real message path against the head. Then what
 * our batch transactions need from it when a batch spans two shards: with Spider's internal XA
 * a shard lost before COMMIT rolls the whole transaction back; without it, the other shard's
 * part commits although COMMIT reported an error.
 *
 * Needs ha_spider.so in SPIDER_PLUGIN_DIR (default: the server's plugin directory, where
 * Debian's mariadb-plugin-spider puts it) beside the server's other plugins; skipped otherwise.
 */
import assert from "node:assert/strict";
import { createConnection } from "mysql2";
import { sql } from "kysely";
import { testEnv, uniqueName } from "@im/shared/testing";
import { type SpiderRig, startSpider } from "@im/shared/testing/spider";
import { createLogger } from "@im/shared/log";
import { targetOf } from "@im/shared/routing";
import { encodeEnvelope, ENVELOPE_FIELD } from "@im/shared/wire";
import { directConversationId } from "@im/protocol";
import { startWorker } from "./worker.ts";
import { createUsers, sendEntry } from "./test_support.ts";

const NAME = "spider: the message path on conversations sharded over two MariaDB servers";
const PLUGIN_DIR = Deno.env.get("SPIDER_PLUGIN_DIR") ?? "/usr/lib/mysql/plugin";
const missing = await Deno.stat(`${PLUGIN_DIR}/ha_spider.so`).then(() => false, () => true);
if (missing) console.error(`SKIPPED "${NAME}": no ha_spider.so in ${PLUGIN_DIR}`);

const log = createLogger((Deno.env.get("TEST_LOG") ?? "error") as "error");

async function until(what: string, check: () => Promise<boolean>, ms = 20_000) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/**
 * Moves a table to the shards: the same definition on each (keys widened to hold the shard
 * column: MariaDB partitioning needs it in every unique key), and a Spider table on the head.
 */
async function shard(rig: SpiderRig, db: string, table: string, column: string, keys: string) {
  if (keys) await rig.head.sql(`ALTER TABLE ${table} ${keys}`, db);
  const ddl = (await rig.head.sql(`SHOW CREATE TABLE ${table}`, db)).split("\t")[1]
    .replace(/\\n/g, "\n");
  for (const s of rig.shards) await s.sql(`DROP TABLE IF EXISTS ${table}; ${ddl}`, "shard");
  await rig.head.sql(
    `ALTER TABLE ${table} ENGINE=SPIDER COMMENT='wrapper "mysql", table "${table}"' ` +
      `PARTITION BY KEY (${column}) (PARTITION p0 COMMENT='srv "s0"', PARTITION p1 COMMENT='srv "s1"')`,
    db,
  );
}

Deno.test({
  name: NAME,
  ignore: missing,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const rig = await startSpider(PLUGIN_DIR);
    try {
      const name = uniqueName("imspider");
      // Internal XA for every Spider transaction (the pool's sessions inherit it).
      await rig.head.sql("SET GLOBAL spider_internal_xa = 1");
      const env = await testEnv({
        mysqlUrl: rig.head.url(name),
        partitions: 4,
        leaseTtlMs: 2000,
        blockMs: 100,
        workerPort: 0,
        host: "127.0.0.1",
      });
      try {
        // The schema as it is refuses: the primary key (msg_id) lacks the shard column.
        await assert.rejects(
          () =>
            shard(rig, env.config.mysqlUrl.split("/").at(-1)!, "messages", "conversation_id", ""),
          /PRIMARY KEY must include all columns in the table's partitioning function/,
        );
        await shard(
          rig,
          name,
          "messages",
          "conversation_id",
          "DROP PRIMARY KEY, ADD PRIMARY KEY (msg_id, conversation_id), " +
            "DROP INDEX uq_messages_client, " +
            "ADD UNIQUE KEY uq_messages_client (sender_id, client_msg_id, conversation_id)",
        );
        await shard(rig, name, "conversations", "id", "");

        // MariaDB's KEY hash spreads short ids like ours poorly ("d:1:2".."d:1:12" mostly land
        // in one of two partitions): a dozen peers put conversations on both servers.
        const names = Array.from({ length: 12 }, (_, i) => `peer${i}`);
        const [alice, ...peers] = await createUsers(env, "alice", ...names);
        const enqueue = async (to: string, cid: string) => {
          const e = sendEntry(alice, to, cid, `body ${cid}`);
          const { stream } = targetOf(e.env.frame, alice, env.keys, env.config.partitions);
          await env.redis.xadd(stream, "*", ENVELOPE_FIELD, encodeEnvelope(e.env));
        };
        for (let i = 0; i < 2; i++) for (const p of peers) await enqueue(p, `${p}-${i}`);
        await enqueue(peers[0], `${peers[0]}-0`); // a resend: the replay returns the stored row

        const w = await startWorker(env.config, log);
        try {
          const total = 2 * peers.length;
          const count = async () =>
            Number((await rig.head.sql("SELECT COUNT(*) FROM messages", name)).trim());
          await until("every message stored", async () => (await count()) === total);
          const pending = async () => {
            let n = 0;
            for (let p = 0; p < env.config.partitions; p++) {
              const r = await env.redis.xpending(env.keys.partition(p), "workers").catch(() => [0]);
              n += Number((r as [number])[0] ?? 0);
            }
            return n;
          };
          await until("every entry acked", async () => (await pending()) === 0);
          assert.equal(await count(), total, "the resend stored nothing");
          const rows = await env.db.selectFrom("messages")
            .select(["conversation_id", "seq"]).orderBy("conversation_id").orderBy("seq").execute();
          for (const p of peers) {
            const conv = directConversationId(alice, p);
            assert.deepEqual(
              rows.filter((r) => r.conversation_id === conv).map((r) => Number(r.seq)),
              [1, 2],
              `${conv}: one sequence, no gaps`,
            );
          }
          const heads = await sql<{ n: number }>`SELECT COUNT(*) AS n FROM conversations
            WHERE last_seq = 2`.execute(env.db);
          assert.equal(Number(heads.rows[0].n), peers.length, "heads advanced with the messages");
          const perShard = await Promise.all(
            rig.shards.map(async (s) =>
              Number(await s.sql("SELECT COUNT(*) FROM messages", "shard"))
            ),
          );
          assert.ok(perShard.every((n) => n > 0), `both shards hold messages: ${perShard}`);
          assert.equal(perShard[0] + perShard[1], total);
          console.log(`spider: ${total} messages over the shards as ${perShard.join(" + ")}`);
        } finally {
          await w.stop();
        }

        // A transaction over two shards whose second shard drops its connection before
        // COMMIT: internal XA on, nothing commits; off, the first shard's part commits.
        const convs = (await rig.shards[0].sql("SELECT id FROM conversations LIMIT 1", "shard"))
          .trim();
        const other = (await rig.shards[1].sql("SELECT id FROM conversations LIMIT 1", "shard"))
          .trim();
        // The head locks (lockHeads: SELECT ... FOR UPDATE) reach the shard: a second session
        // cannot take a head another holds, and can once it is released.
        const session = () =>
          createConnection({
            host: rig.head.host,
            port: rig.head.port,
            user: "root",
            database: name,
          }).promise();
        const [holder, waiter] = [session(), session()];
        try {
          const lock = "SELECT last_seq FROM conversations WHERE id IN (?) FOR UPDATE";
          await holder.query("BEGIN");
          await holder.query(lock, [[other]]);
          await waiter.query("BEGIN");
          await assert.rejects(() => waiter.query(lock, [[other]]), /Lock wait timeout/);
          await holder.query("COMMIT");
          await waiter.query("ROLLBACK");
          await waiter.query("BEGIN");
          await waiter.query(lock, [[other]]);
          await waiter.query("COMMIT");
        } finally {
          await holder.end().catch(() => {});
          await waiter.end().catch(() => {});
        }

        for (const xa of [1, 0]) {
          const c = createConnection({
            host: rig.head.host,
            port: rig.head.port,
            user: "root",
            database: name,
          }).promise();
          try {
            await c.query(`SET SESSION spider_internal_xa = ${xa}`);
            await c.query("BEGIN");
            await c.query("UPDATE conversations SET last_seq = last_seq + 100 WHERE id = ?", [
              convs,
            ]);
            await c.query("UPDATE conversations SET last_seq = last_seq + 100 WHERE id = ?", [
              other,
            ]);
            // Spider's session on shard 1 goes away (a crash, a network cut, a failover).
            for (
              const id of (await rig.shards[1].sql(
                "SELECT id FROM information_schema.processlist WHERE db = 'shard' AND command <> 'Daemon'",
              )).trim().split("\n").filter(Boolean)
            ) {
              await rig.shards[1].sql(`KILL CONNECTION ${id}`).catch(() => {});
            }
            await assert.rejects(() => c.query("COMMIT"), /gone away|Lost connection|12701/);
          } finally {
            await c.end().catch(() => {});
          }
          const first = Number(
            (await rig.shards[0].sql(
              `SELECT last_seq FROM conversations WHERE id = '${convs}'`,
              "shard",
            )).trim(),
          );
          const second = Number(
            (await rig.shards[1].sql(
              `SELECT last_seq FROM conversations WHERE id = '${other}'`,
              "shard",
            )).trim(),
          );
          console.log(
            `spider: internal XA ${
              xa ? "on" : "off"
            }: after a failed COMMIT the shards read ${first}, ${second}`,
          );
          if (xa) assert.deepEqual([first, second], [2, 2], "XA: all or nothing");
          else assert.deepEqual([first, second], [102, 2], "no XA: a failed COMMIT committed half");
        }
      } finally {
        await env.close();
      }
    } finally {
      await rig.stop();
    }
  },
});
