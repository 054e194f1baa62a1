/** The docs must stay true to the code: every setting, error code and close code is documented. */
import assert from "node:assert/strict";
import { CONFIG_FIELDS, configTable } from "@im/shared/config";
import { clientDataSchemas, CloseCode, ErrorCode } from "@im/shared/protocol";

const ROOT = new URL("../", import.meta.url).pathname;
const read = (p: string) => Deno.readTextFile(`${ROOT}${p}`);

/** The cells of a Markdown table row, split on pipes that are not escaped. */
const cells = (row: string) =>
  row.trim().replace(/^\||\|$/g, "").split(/(?<!\\)\|/).map((c) => c.trim());

Deno.test("docs: the README's configuration table is configTable(), cell for cell", async () => {
  const readme = await read("README.md");
  const rows = new Map(
    readme.split("\n").filter((l) => /^\| `[A-Z0-9_]+` +\|/.test(l)).map((l) => [cells(l)[0], l]),
  );
  for (const line of configTable().split("\n").slice(2)) {
    const want = cells(line);
    const have = rows.get(want[0]);
    assert.ok(have, `${want[0]} missing from README`);
    assert.deepEqual(
      cells(have),
      want,
      `README row of ${want[0]} (deno task docs:config rewrites it)`,
    );
  }
  assert.equal(rows.size, Object.keys(CONFIG_FIELDS).length);
});

Deno.test("docs: PROTOCOL.md lists every error code, close code and client frame", async () => {
  const doc = await read("docs/PROTOCOL.md");
  for (const [name, code] of Object.entries(ErrorCode)) {
    assert.ok(doc.includes(`| ${code} | \`${name}\``), `error ${code} ${name} missing`);
  }
  for (const [name, code] of Object.entries(CloseCode)) {
    if (name === "POLICY") continue; // never sent by the server
    assert.ok(doc.includes(`| ${code} |`), `close code ${code} ${name} missing`);
  }
  for (const type of Object.keys(clientDataSchemas)) {
    assert.ok(doc.includes(`\`${type}\``), `frame ${type} missing`);
  }
});
