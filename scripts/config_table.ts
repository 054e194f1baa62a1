/**
 * `deno task config:table`: rewrites the README's configuration table from the config schema
 * (shared/config/), so the docs cannot drift from it (scripts/docs_test.ts checks them). Run
 * `deno fmt README.md` after it to align the columns.
 */
import { configTable } from "@im/shared/config";

const README = new URL("../README.md", import.meta.url);

export function withTable(readme: string, table: string): string {
  const start = readme.indexOf("| variable");
  if (start < 0) throw new Error("README has no configuration table (a row starting '| variable')");
  let end = start;
  for (const line of readme.slice(start).split("\n")) {
    if (!line.startsWith("|")) break;
    end += line.length + 1;
  }
  return readme.slice(0, start) + table + "\n" + readme.slice(end);
}

if (import.meta.main) {
  await Deno.writeTextFile(README, withTable(await Deno.readTextFile(README), configTable()));
  console.error("config:table: README.md updated; run `deno fmt README.md`");
}
