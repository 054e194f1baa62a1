/**
 * Search over the real stores: words in any language (CJK inside sentences, Latin with any case
 * and accents), filters, newest first, paging, snippets with marks.
 */
import assert from "node:assert/strict";
import { testEnv } from "@im/shared/testing";
import { createGroup, createUsers, processorFor, sendEntry } from "../../test_support.ts";
import { drain, found, search } from "./test_support.ts";

Deno.test("search: CJK words inside sentences, Latin words with any case and accents", async () => {
  const env = await testEnv();
  try {
    const [alice, bob] = await createUsers(env, "alice", "bob");
    const { processor } = processorFor(env);
    const bodies = [
      "大家你好啊",
      "今天下午三点开会",
      "東京タワーに行きました",
      "안녕하세요 여러분",
      "Café au lait, s'il vous plaît",
      "Her RÉSUMÉ was naïve",
      "plain english here",
    ];
    await processor.process(
      env.keys.partition(0),
      0,
      1,
      bodies.map((b, i) => sendEntry(alice, bob, `m${i}`, b)),
    );
    assert.equal(await drain(env), bodies.length);
    assert.deepEqual(await found(env, bob, { query: "你好" }), ["大家你好啊"]);
    assert.deepEqual(await found(env, bob, { query: "开会" }), ["今天下午三点开会"]);
    assert.deepEqual(await found(env, bob, { query: "タワー" }), ["東京タワーに行きました"]);
    assert.deepEqual(await found(env, bob, { query: "여러분" }), ["안녕하세요 여러분"]);
    assert.deepEqual(await found(env, alice, { query: "CAFE" }), ["Café au lait, s'il vous plaît"]);
    assert.deepEqual(await found(env, alice, { query: "resume Naive" }), ["Her RÉSUMÉ was naïve"]);
    assert.deepEqual(
      await found(env, alice, { query: "你好 english" }),
      [],
      "every word must match",
    );
    assert.deepEqual(await found(env, alice, { query: "engl" }), [], "Latin words match whole");
    assert.deepEqual(await found(env, alice, { query: "ENGLISH" }), ["plain english here"]);

    const page = (await search(env, bob, { query: "résumé" })).data;
    assert.equal(page.hits.length, 1);
    const hit = page.hits[0];
    assert.deepEqual([hit.from, hit.seq, hit.kind], [alice, 6, "text"]);
    assert.equal(
      hit.conversationId,
      `d:${[alice, bob].sort((a, b) => Number(a) - Number(b)).join(":")}`,
    );
    assert.deepEqual(hit.marks, [[4, 10]]);
    assert.equal(hit.snippet.slice(4, 10), "RÉSUMÉ");
    assert.equal(page.cursor, undefined, "one page only");
  } finally {
    await env.close();
  }
});

Deno.test("search: filters with and without words, newest first, paged by cursor", async () => {
  const env = await testEnv();
  try {
    const [alice, bob, carol] = await createUsers(env, "alice", "bob", "carol");
    const g = await createGroup(env, "7", [alice, bob, carol]);
    const { processor } = processorFor(env);
    const send = async (from: string, to: string, id: string, body: string) =>
      await processor.process(env.keys.partition(0), 0, 1, [sendEntry(from, to, id, body)]);
    for (let i = 1; i <= 12; i++) {
      await send(i % 2 ? alice : bob, g, `g${i}`, `report number ${i}`);
    }
    await send(carol, alice, "d1", "report from carol");
    await drain(env);

    // Newest first across conversations; pages of 5 with no repeats, no gaps.
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const f = await search(env, alice, { query: "report", limit: 5, cursor });
      assert.equal(f.type, "search.page");
      seen.push(...f.data.hits.map((h: { snippet: string }) => h.snippet));
      cursor = f.data.cursor;
    } while (cursor);
    assert.deepEqual(seen, [
      "report from carol",
      ...Array.from({ length: 12 }, (_, i) => `report number ${12 - i}`),
    ]);

    assert.deepEqual(
      await found(env, alice, { query: "report", conversationId: g, from: bob, limit: 3 }),
      [
        "report number 12",
        "report number 10",
        "report number 8",
      ],
    );
    // Filters alone.
    assert.deepEqual(await found(env, alice, { from: carol }), ["report from carol"]);
    assert.equal((await found(env, alice, { conversationId: g })).length, 12);
    assert.deepEqual(await found(env, alice, { kinds: ["image"] }), []);
    // A time range: since inclusive, until exclusive.
    const rows = await env.db.selectFrom("messages").select(["created_at", "body"])
      .where("conversation_id", "=", g).orderBy("seq").execute();
    const t = (i: number) => Number(rows[i - 1].created_at);
    const inRange = await found(env, alice, { query: "report", since: t(3), until: t(5) + 1 });
    assert.ok(inRange.includes("report number 3") && inRange.includes("report number 5"));
    assert.ok(!inRange.includes("report from carol"));
  } finally {
    await env.close();
  }
});
