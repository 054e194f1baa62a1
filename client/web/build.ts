/**
 * `deno task web:build`: bundles the web app (Preact, the SDK) with `deno bundle` into
 * client/web/dist: index.html, app.js, app.css. Nothing is fetched at run time.
 */
const here = new URL(".", import.meta.url);
const dist = new URL("dist/", here);

await Deno.remove(dist, { recursive: true }).catch(() => {});
await Deno.mkdir(dist, { recursive: true });
const out = await new Deno.Command(Deno.execPath(), {
  args: [
    "bundle",
    "--platform=browser",
    "--minify",
    "--sourcemap=linked",
    "-o",
    new URL("app.js", dist).pathname,
    new URL("src/main.tsx", here).pathname,
  ],
  stdout: "inherit",
  stderr: "inherit",
}).output();
if (!out.success) {
  console.error("web:build: bundling failed");
  Deno.exit(1);
}
await Deno.copyFile(new URL("index.html", here), new URL("index.html", dist));
await Deno.copyFile(new URL("styles.css", here), new URL("app.css", dist));
console.error(`web:build: wrote ${dist.pathname}`);
