/**
 * Search through a real gateway and worker (its indexer running): bad input gets its documented
 * error or an empty page, and nothing any user types reaches another user's messages.
 */
import assert from "node:assert/strict";
import { ErrorCode } from "@im/protocol";
import { type Frame, type Session, startSystem, type System, TestSocket } from "../test_support.ts";

let n = 0;
const open = (s: Session, sys: System) =>
  TestSocket.open(`ws://127.0.0.1:${sys.gateways[0].port}/ws`, s.accessToken);
const send = (s: TestSocket, to: string, body: string) => {
  const id = `m${++n}`;
  return s.request({
    type: "msg.send",
    id,
    data: { to, clientMsgId: id, kind: "text", body },
  }, "msg.sent");
};
/** The reply to one search: a search.page or an error. */
async function ask(s: TestSocket, data: unknown): Promise<Frame> {
  const id = `s${++n}`;
  s.send({ type: "search", id, data });
  for (const end = Date.now() + 5000; Date.now() < end;) {
    const i = s.frames.findIndex((f) => f.id === id);
    if (i >= 0) return s.frames.splice(i, 1)[0];
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`no answer to search ${JSON.stringify(data)}`);
}
const bodies = (f: Frame) => {
  assert.equal(f.type, "search.page", JSON.stringify(f.data));
  return f.data.hits.map((h: { snippet: string }) => h.snippet).sort();
};

Deno.test("search over the wire: bad input is answered, and no input reaches another user's messages", async () => {
  const sys = await startSystem();
  try {
    const [alice, bob, carol, dave] = [
      await sys.register("alice"),
      await sys.register("bob"),
      await sys.register("carol"),
      await sys.register("dave"),
    ];
    const a = await open(alice, sys), c = await open(carol, sys);
    const mine = [
      "secret of alice",
      "100% done",
      "a * b = c",
      "it's fine",
      "use a+b and a-b",
      "大家你好啊",
    ];
    for (const body of mine) await send(a, bob.userId, body);
    const theirs = "secret plans 100% * it's +-%' 你好";
    const theirConv = (await send(c, dave.userId, theirs)).data.conversationId;
    // The worker's indexer applies the queue within SEARCH_INDEX_INTERVAL_MS.
    for (let i = 0; i < 50 && bodies(await ask(a, { query: "你好" })).length === 0; i++) {
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.deepEqual(bodies(await ask(a, { query: "你好" })), ["大家你好啊"]);

    // Operators and SQL metacharacters are text: each finds only alice's own literal matches.
    const cases: Array<[string, string[]]> = [
      ["secret", ["secret of alice"]],
      ["%", ["100% done"]],
      ["*", ["a * b = c"]],
      ["100%", ["100% done"]],
      ["it's", ["it's fine"]],
      ["-secret", []],
      ['"secret"', ["secret of alice"]],
      ["secret*", []],
      ["+secret -alice", []],
      ["' OR '1'='1", []],
      ["%' OR 1=1 -- ", []],
      ["a+b", ["use a+b and a-b"]],
      ["(secret)", []],
      ["secret OR plans", []],
      ["\\", []],
    ];
    for (const [query, want] of cases) {
      const f = await ask(a, { query });
      if (f.type === "error") {
        assert.equal(f.data.code, ErrorCode.SEARCH_QUERY_EMPTY, `${query}: ${f.data.message}`);
        assert.deepEqual(want, [], query);
      } else assert.deepEqual(bodies(f), want.sort(), `query ${JSON.stringify(query)}`);
    }
    for (const query of ["secret", "%", "*", "plans", "你好", "' OR 1=1 --"]) {
      for (const hit of (await ask(a, { query })).data.hits ?? []) {
        assert.notEqual(hit.conversationId, theirConv, `${query} reached carol's chat`);
      }
    }

    const code = async (data: unknown) => {
      const f = await ask(a, data);
      assert.equal(f.type, "error", JSON.stringify(data));
      return f.data.code;
    };
    assert.equal(await code({}), ErrorCode.SEARCH_QUERY_EMPTY);
    assert.equal(await code({ query: "   " }), ErrorCode.SEARCH_QUERY_EMPTY);
    assert.equal(await code({ query: "x".repeat(1000) }), ErrorCode.SEARCH_QUERY_TOO_LONG);
    assert.equal(await code({ query: "x".repeat(1001) }), ErrorCode.INVALID_FRAME);
    assert.equal(await code({ query: "a b c d e f g h i" }), ErrorCode.SEARCH_QUERY_TOO_LONG);
    assert.equal(await code({ query: "x", since: 10, until: 5 }), ErrorCode.SEARCH_RANGE_INVALID);
    assert.equal(await code({ query: "x", since: 5, until: 5 }), ErrorCode.SEARCH_RANGE_INVALID);
    assert.equal(await code({ query: "x", conversationId: theirConv }), ErrorCode.NOT_FOUND);
    assert.equal(await code({ query: "x", conversationId: "g:777" }), ErrorCode.NOT_FOUND);
    assert.equal(await code({ query: "x", conversationId: "d:2:1" }), ErrorCode.INVALID_FRAME);
    // Identity is the connection's: a user field is refused, never obeyed.
    assert.equal(await code({ query: "secret", userId: carol.userId }), ErrorCode.INVALID_FRAME);
    assert.equal(await code({ query: { $ne: "" } }), ErrorCode.INVALID_FRAME);
    assert.equal(await code({ query: "x", limit: 0 }), ErrorCode.INVALID_FRAME);
    assert.equal(await code({ query: "x", kinds: ["TEXT; DROP"] }), ErrorCode.INVALID_FRAME);
    // Filtering by another user as sender shows only what alice may see from them.
    assert.deepEqual(bodies(await ask(a, { from: dave.userId })), []);
    assert.deepEqual(bodies(await ask(a, { from: carol.userId, query: "secret" })), []);

    // Cursors: a real one pages on; a tampered one, or one from another search, is refused.
    const first = await ask(a, { from: alice.userId, limit: 2 });
    assert.equal(first.data.hits.length, 2);
    const cursor: string = first.data.cursor;
    const next = await ask(a, { from: alice.userId, limit: 2, cursor });
    assert.equal(next.data.hits.length, 2);
    const flip = cursor.slice(0, -2) + (cursor.at(-2) === "A" ? "B" : "A") + cursor.at(-1);
    for (const bad of [flip, "garbage", "MS45OTk5OTk5OTk5OTk5OS4xLjAwMDAwMDAw", cursor + "="]) {
      assert.equal(
        await code({ from: alice.userId, limit: 2, cursor: bad }),
        ErrorCode.SEARCH_CURSOR_INVALID,
      );
    }
    assert.equal(await code({ query: "secret", cursor }), ErrorCode.SEARCH_CURSOR_INVALID);
  } finally {
    await sys.close();
  }
});
