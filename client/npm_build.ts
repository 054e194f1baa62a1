/**
 * `deno task npm:build`: the npm package in client/npm/ (an ES module bundle, its type
 * declarations, package.json from deno.json, the README). Publish with `cd client/npm && npm publish`.
 */
const here = new URL(".", import.meta.url);
const out = new URL("npm/", here);
const meta = JSON.parse(await Deno.readTextFile(new URL("deno.json", here)));

await Deno.remove(out, { recursive: true }).catch(() => {});
const r = await new Deno.Command(Deno.execPath(), {
  args: ["bundle", "--platform=browser", "--declaration", "--outdir", out.pathname, "mod.ts"],
  cwd: here.pathname,
  stdout: "inherit",
  stderr: "inherit",
}).output();
if (!r.success) Deno.exit(1);

const pkg = {
  name: meta.name,
  version: meta.version,
  description: meta.description,
  license: "MIT",
  type: "module",
  main: "./mod.js",
  types: "./mod.d.ts",
  exports: { ".": { types: "./mod.d.ts", import: "./mod.js" } },
  files: ["mod.js", "mod.d.ts", "README.md"],
  sideEffects: false,
  engines: { node: ">=22" },
};
await Deno.writeTextFile(new URL("package.json", out), JSON.stringify(pkg, null, 2) + "\n");
await Deno.copyFile(new URL("README.md", here), new URL("README.md", out));
console.error(`npm:build: wrote ${out.pathname}`);
