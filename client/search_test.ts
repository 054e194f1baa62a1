import assert from "node:assert/strict";
import { markedSnippet, snippetParts } from "./search.ts";

Deno.test("snippetParts: plain and matched parts in order; bad marks are ignored", () => {
  const hit = { snippet: "大家你好啊, hello", marks: [[2, 4], [7, 12]] as Array<[number, number]> };
  assert.deepEqual(snippetParts(hit), [
    { text: "大家", match: false },
    { text: "你好", match: true },
    { text: "啊, ", match: false },
    { text: "hello", match: true },
  ]);
  assert.equal(markedSnippet(hit), "大家[你好]啊, [hello]");
  const odd = {
    snippet: "abc",
    marks: [[2, 1], [1, 2], [0, 2], [2, 9]] as Array<[number, number]>,
  };
  assert.equal(markedSnippet(odd, "<", ">"), "a<b>c");
});
