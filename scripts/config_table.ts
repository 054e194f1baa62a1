/**
 * `deno task docs:config`: rewrites the README's configuration table from the config schema
 * (scripts/docs_test.ts fails while they differ), then formats the README.
 */
import { configTable } from "@im/shared/config";

const path = new URL("../README.md", import.meta.url).pathname;
const lines = (await Deno.readTextFile(path)).split("\n");
const start = lines.findIndex((l) => /^\| variable +\| default/.test(l));
if (start < 0) throw new Error("README.md has no configuration table");
let end = start;
while (end < lines.length && lines[end].startsWith("|")) end++;
lines.splice(start, end - start, ...configTable().split("\n"));
await Deno.writeTextFile(path, lines.join("\n"));
const fmt = await new Deno.Command(Deno.execPath(), { args: ["fmt", path] }).output();
if (!fmt.success) Deno.exit(1);
