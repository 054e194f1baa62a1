/** The docs must stay true to the code: every setting, error code and close code is documented. */
import assert from "node:assert/strict";
import { CONFIG_FIELDS } from "@im/shared/config";
import { clientFrames, CloseCode, ErrorCode, SERVER_FRAME_TYPES } from "@im/protocol";

const ROOT = new URL("../", import.meta.url).pathname;
const read = (p: string) => Deno.readTextFile(`${ROOT}${p}`);

Deno.test("docs: the README lists every configuration variable", async () => {
  const readme = await read("README.md");
  for (const f of Object.values(CONFIG_FIELDS)) {
    assert.ok(readme.includes(`\`${f.env}\``), `${f.env} missing from README`);
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
