/** Index rows read by MariaDB (its session counters) while `fn` runs on connection `c`. */
async function rowsRead(c: Parameters<typeof listPage>[0], fn: () => Promise<unknown>) {
  await sql`FLUSH STATUS`.execute(c);
  await fn();
  const st = await sql<{ Value: string }>`
    SHOW SESSION STATUS WHERE Variable_name IN ('Handler_read_prev', 'Handler_read_next')`
    .execute(c);
  return st.rows.reduce((s, r) => s + Number(r.Value), 0);
}

/**
 * The conversation list's cost does not grow with the user's conversations: every page of a
 * 3,000-conversation list reads about one page of index rows, the last as the first (MariaDB's
 * own counters, so the test does not depend on the machine's speed). With the position as one
 * query of nested ORs joined to every column, page k read k pages of rows.
 */
import assert from "node:assert/strict";
import { sql } from "kysely";
import { testEnv } from "@im/shared/testing";
import { createUsers } from "../../test_support.ts";
import { listPage, type ListPosition } from "./tables.ts";
import { friendPage } from "../social/friend_tables.ts";
import type { TimeId } from "../paging/cursors.ts";

Deno.test("conversation list: each page reads its own rows only, however deep", async () => {
  const env = await testEnv();
  try {
    const [me] = await createUsers(env, "me");
    const N = 3000, LIMIT = 50;
    const now = Date.now();
    for (let i = 0; i < N; i += 1000) {
      const ids = Array.from({ length: Math.min(1000, N - i) }, (_, k) => `g:${i + k + 1}`);
      await env.db.insertInto("conversations").values(ids.map((id) => ({
        id,
        kind: "group",
        last_seq: 0,
        created_at: now,
        updated_at: now,
      }))).execute();
      await env.db.insertInto("conversation_members").values(ids.map((id, k) => ({
        conversation_id: id,
        user_id: me,
        joined_at: now,
        active_at: now - (i + k) * 1000 + (k % 7 === 0 ? 1000 : 0), // some ties on time
        pinned: (i + k) % 300 === 0 ? 1 : 0,
      }))).execute();
    }
    await env.db.connection().execute(async (c) => {
      const reads: number[] = [];
      const seen = new Set<string>();
      let after: ListPosition | null = null;
      for (;;) {
        let rows: Awaited<ReturnType<typeof listPage>> = [];
        reads.push(await rowsRead(c, async () => rows = await listPage(c, me, after, LIMIT + 1)));
        const page = rows.slice(0, LIMIT);
        for (const r of page) seen.add(r.conversationId);
        if (rows.length <= LIMIT) break;
        const l = page.at(-1)!;
        after = { pinned: l.pinned ? 1 : 0, at: l.activeAt, id: l.conversationId };
      }
      assert.equal(seen.size, N, "every conversation once");
      assert.equal(reads.length, N / LIMIT);
      assert.ok(Math.max(...reads) <= 2 * (LIMIT + 1), `index rows read per page: ${reads}`);
    });
  } finally {
    await env.close();
  }
});

Deno.test("friend list: each page reads its own rows only, however deep", async () => {
  const env = await testEnv();
  try {
    const [me] = await createUsers(env, "me");
    const N = 3000, LIMIT = 50, now = Date.now();
    for (let i = 0; i < N; i += 1000) {
      await env.db.insertInto("friendships").values(Array.from({ length: 1000 }, (_, k) => ({
        user_id: me,
        friend_id: String(1000 + i + k),
        created_at: now - Math.floor((i + k) / 3) * 1000, // ties on time
      }))).execute();
    }
    await env.db.connection().execute(async (c) => {
      const reads: number[] = [];
      const seen = new Set<string>();
      let after: TimeId | null = null;
      for (;;) {
        let rows: Awaited<ReturnType<typeof friendPage>> = [];
        reads.push(await rowsRead(c, async () => rows = await friendPage(c, me, after, LIMIT)));
        const page = rows.slice(0, LIMIT);
        for (const r of page) seen.add(r.friendId);
        if (rows.length <= LIMIT) break;
        after = { t: page.at(-1)!.since, id: page.at(-1)!.friendId };
      }
      assert.equal(seen.size, N);
      assert.ok(Math.max(...reads) <= 2 * (LIMIT + 1), `index rows read per page: ${reads}`);
    });
  } finally {
    await env.close();
  }
});
