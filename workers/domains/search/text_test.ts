/** The pure parts of search: words from a query, the cursor, snippets and their marks. */
import assert from "node:assert/strict";
import { decodeCursor, encodeCursor, fingerprintOf } from "./cursor.ts";
import { findMarks, snippetOf } from "./snippet.ts";
import { booleanQuery, parseTerms } from "./terms.ts";

Deno.test("terms: operators stay text; quotes, backslashes and empty words go", () => {
  assert.deepEqual(parseTerms(` +a -b "c d" e* 100% it's \\ \u0301 \u200b x x `), [
    "+a",
    "-b",
    "c",
    "d",
    "e*",
    "100%",
    "it's",
    "x",
  ]);
  assert.equal(booleanQuery(["+a", "100%"]), '+"+a" +"100%"');
  assert.deepEqual(parseTerms("   "), []);
});

Deno.test("cursor: round trip; anything altered or from another search is refused", () => {
  const fp = fingerprintOf({ terms: ["a"], from: null });
  const c = encodeCursor({ createdAt: 1795852779100, msgId: "384976621579694080" }, fp);
  assert.deepEqual(decodeCursor(c, fp), { createdAt: 1795852779100, msgId: "384976621579694080" });
  assert.equal(decodeCursor(c, fingerprintOf({ terms: ["b"], from: null })), null);
  for (
    const bad of ["", "!!", c + "x", c.slice(1), btoa("1.-5.1.00000000"), btoa("1.1.0.abcdefgh")]
  ) {
    assert.equal(decodeCursor(bad, fp), null, bad);
  }
  assert.equal(fingerprintOf({ a: 1, b: 2 }), fingerprintOf({ b: 2, a: 1 }), "key order is moot");
});

Deno.test("snippets: marks fold case and accents, Latin whole words, CJK anywhere", () => {
  assert.deepEqual(findMarks("Café, CAFE and cafeteria", ["cafe"]), [[0, 4], [6, 10]]);
  assert.deepEqual(findMarks("大家你好啊", ["你好"]), [[2, 4]]);
  assert.deepEqual(findMarks("ｈｅｌｌｏ hello", ["HELLO"]), [[0, 5], [6, 11]]);
  const long = "x ".repeat(200) + "the needle 😀 here " + "y ".repeat(200);
  const s = snippetOf(long, ["needle"], 60, 10);
  assert.ok(s.snippet.startsWith("…") && s.snippet.endsWith("…"));
  assert.ok([...s.snippet].length <= 62);
  assert.deepEqual(s.marks.map(([a, b]) => s.snippet.slice(a, b)), ["needle"]);
  assert.ok(s.snippet.isWellFormed(), "never cuts a surrogate pair");
  assert.deepEqual(snippetOf("short", []), { snippet: "short", marks: [] });
});
