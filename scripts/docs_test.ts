/** The docs must stay true to the code: every setting, error code and close code is documented. */
import assert from "node:assert/strict";
import { configTable } from "@im/shared/config";
import { clientFrames, CloseCode, ErrorCode, SERVER_FRAME_TYPES } from "@im/protocol";

const ROOT = new URL("../", import.meta.url).pathname;
const read = (p: string) => Deno.readTextFile(`${ROOT}${p}`);

Deno.test("docs: the README's configuration table is the schema's (deno task config:table)", async () => {
  const readme = await read("README.md");
  // Cells split on unescaped "|", padding ignored (deno fmt aligns the columns).
  const cells = (row: string) => row.trim().slice(1, -1).split(/(?<!\\)\|/).map((c) => c.trim());
  const rows = new Map(
    readme.split("\n").filter((l) => l.startsWith("| `")).map((l) => [cells(l)[0], cells(l)]),
  );
  for (const row of configTable().split("\n").slice(2)) {
    const want = cells(row);
    assert.deepEqual(rows.get(want[0]), want, `README row of ${want[0]} is stale`);
  }
});

Deno.test("docs: PROTOCOL.md lists every error code, close code and frame", async () => {
  const doc = await read("docs/PROTOCOL.md");
  for (const [name, code] of Object.entries(ErrorCode)) {
    assert.ok(doc.includes(`| ${code} | \`${name}\``), `error ${code} ${name} missing`);
  }
  for (const [name, code] of Object.entries(CloseCode)) {
    if (name === "POLICY") continue; // never sent by the server
    assert.ok(doc.includes(`| ${code} |`), `close code ${code} ${name} missing`);
  }
  for (const type of [...Object.keys(clientFrames), ...SERVER_FRAME_TYPES]) {
    assert.ok(doc.includes(`| \`${type}\` |`), `frame ${type} missing from a frame table`);
  }
});
