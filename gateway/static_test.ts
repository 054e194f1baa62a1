import assert from "node:assert/strict";
import { Hono } from "hono";
import { serveWebApp } from "./static.ts";

Deno.test("static: the built web app is served at / with no-cache; nothing else on disk is", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/index.html`, "<!doctype html><title>IM</title>");
    await Deno.writeTextFile(`${dir}/app.js`, "console.log(1)");
    await Deno.writeTextFile(`${dir}/secret.txt`, "no");
    const app = new Hono();
    serveWebApp(app, dir);
    const index = await app.request("/");
    assert.equal(index.status, 200);
    assert.equal(index.headers.get("content-type"), "text/html; charset=utf-8");
    assert.equal(index.headers.get("cache-control"), "no-cache");
    assert.match(await index.text(), /<title>IM<\/title>/);
    assert.equal(
      (await app.request("/app.js")).headers.get("content-type"),
      "text/javascript; charset=utf-8",
    );
    assert.equal((await app.request("/app.css")).status, 404, "not built yet");
    assert.equal((await app.request("/secret.txt")).status, 404);
    assert.equal((await app.request("/../secret.txt")).status, 404);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
