/**
 * The SQL each adapter sends, compiled through Kysely's MySQL dialect without a server: the
 * ngram (MySQL 8) adapter cannot run here (the suite runs on MariaDB), so its statements are
 * checked as text; the Mroonga adapter runs for real in the integration tests.
 */
import assert from "node:assert/strict";
import { DummyDriver, Kysely, MysqlAdapter, MysqlIntrospector, MysqlQueryCompiler } from "kysely";
import type { Database } from "@im/shared/db";
import { MroongaIndex, NgramIndex } from "./sql.ts";
import type { IndexQuery } from "./port.ts";

function capture() {
  const seen: Array<{ sql: string; params: readonly unknown[] }> = [];
  const db = new Kysely<Database>({
    dialect: {
      createAdapter: () => new MysqlAdapter(),
      createDriver: () => new DummyDriver(),
      createIntrospector: (k) => new MysqlIntrospector(k),
      createQueryCompiler: () => new MysqlQueryCompiler(),
    },
    log: (e) => {
      seen.push({ sql: e.query.sql.replace(/\s+/g, " "), params: e.query.parameters });
    },
  });
  return { db, seen };
}

const q: IndexQuery = {
  terms: ["你好", "café", "x"],
  scopes: [
    { conversationId: "d:1:2", above: 0, upTo: null },
    { conversationId: "g:7", above: 3, upTo: 9 },
  ],
  senderId: "5",
  kinds: ["text"],
  since: 1000,
  before: { createdAt: 2000, msgId: "42" },
  limit: 21,
};

Deno.test("ngram adapter: words in MATCH (body), conversations and windows in WHERE", async () => {
  const { db, seen } = capture();
  await new NgramIndex(db).query(q);
  assert.equal(seen.length, 1);
  const { sql, params } = seen[0];
  assert.match(
    sql,
    /^SELECT msg_id, conversation_id, seq, created_at, sort_key, body FROM search_index WHERE/,
  );
  assert.match(
    sql,
    /\(\(conversation_id = \? AND seq > \?\) OR \(conversation_id = \? AND seq > \? AND seq <= \?\)\)/,
  );
  assert.match(sql, /MATCH \(body\) AGAINST \(\? IN BOOLEAN MODE\)/);
  assert.match(
    sql,
    /sender_id = \? AND kind = \? AND sort_key >= \? AND sort_key < \? ORDER BY sort_key DESC LIMIT \?$/,
  );
  assert.deepEqual(params, [
    "d:1:2",
    0,
    "g:7",
    3,
    9,
    '+"你好" +"café" +x*', // a one-character word becomes a prefix
    "5",
    "text",
    String(1000n * 4194304n),
    String(2000n * 4194304n + 42n),
    21,
  ]);
  assert.ok(!sql.includes("SET STATEMENT"), "MariaDB-only syntax stays out of MySQL");
});

Deno.test("mroonga adapter: scope words in the full-text query; windowed conversations apart", async () => {
  const { db, seen } = capture();
  await new MroongaIndex(db).query(q);
  assert.equal(seen.length, 2);
  for (const s of seen) {
    assert.match(s.sql, /^SET STATEMENT mroonga_match_escalation_threshold = -1 FOR SELECT/);
    assert.match(s.sql, /MATCH \(body, scope\) AGAINST \(\? IN BOOLEAN MODE\)/);
  }
  assert.ok(seen[0].params.includes('+"你好" +"café" +"x" +(zqdxbxc)'));
  assert.ok(!seen[0].sql.includes("conversation_id ="), "whole conversations: no row filter");
  assert.ok(seen[1].params.includes('+"你好" +"café" +"x" +(zqgxh)'));
  assert.match(seen[1].sql, /\(\(conversation_id = \? AND seq > \? AND seq <= \?\)\)/);
});

Deno.test("adapters write the same rows", async () => {
  for (const Index of [MroongaIndex, NgramIndex]) {
    const { db, seen } = capture();
    await new Index(db).write([{
      msgId: "42",
      conversationId: "d:1:2",
      seq: 1,
      senderId: "1",
      kind: "text",
      createdAt: 2000,
      text: "hi",
    }], ["7"]);
    assert.match(
      seen[0].sql,
      /^REPLACE INTO search_index \(msg_id, conversation_id, seq, sender_id, kind, created_at, sort_key, body, scope\) VALUES/,
    );
    assert.deepEqual(seen[0].params, [
      "42",
      "d:1:2",
      1,
      "1",
      "text",
      2000,
      String(2000n * 4194304n + 42n),
      "hi",
      "zqdxbxc",
    ]);
    assert.match(seen[1].sql, /^delete from `search_index` where `msg_id` in \(\?\)$/);
  }
});
