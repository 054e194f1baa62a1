import assert from "node:assert/strict";
import { Cached } from "./cached.ts";
import { originAllowed } from "./origin.ts";
import { startSystem } from "./test_support.ts";

Deno.test("origin: other sites by exact allowlist entry only; null refused; absent allowed", () => {
  const list = ["https://chat.example"];
  assert.equal(originAllowed("https://chat.example", list), true);
  assert.equal(originAllowed("https://chat.example.evil", list), false);
  assert.equal(originAllowed("https://evil.chat.example", list), false);
  assert.equal(originAllowed("null", list), false);
  assert.equal(originAllowed("null", list, "null"), false);
  assert.equal(originAllowed(undefined, list), true);
  assert.equal(originAllowed("", list), true);
});

Deno.test("origin: a page of this gateway is whatever host the browser used", () => {
  assert.equal(originAllowed("http://127.0.0.1:8080", [], "127.0.0.1:8080"), true);
  assert.equal(originAllowed("https://chat.example", [], "chat.example"), true);
  assert.equal(originAllowed("http://chat.example:8080", [], "CHAT.example:8080"), true);
  assert.equal(originAllowed("http://127.0.0.1:8080", [], "127.0.0.1:8081"), false);
  assert.equal(originAllowed("http://127.0.0.1:8080/x", [], "127.0.0.1:8080"), false);
  assert.equal(originAllowed("ftp://127.0.0.1:8080", [], "127.0.0.1:8080"), false);
  assert.equal(originAllowed("https://evil.example", [], "evil.example.gateway"), false);
  assert.equal(originAllowed("https://gateway.example.evil", [], "gateway.example"), false);
});

Deno.test("origin: loopback names are one host, ports still count", () => {
  // The compose case: the page was opened at 127.0.0.1, PUBLIC_WS_URL says localhost.
  assert.equal(originAllowed("http://127.0.0.1:8080", [], "localhost:8080"), true);
  assert.equal(originAllowed("http://localhost:8080", [], "127.0.0.1:8080"), true);
  assert.equal(originAllowed("http://[::1]:8080", [], "localhost:8080"), true);
  assert.equal(originAllowed("http://localhost:3000", [], "127.0.0.1:8080"), false);
  // Only between loopback names: a public name is not the machine's loopback.
  assert.equal(originAllowed("http://localhost:8080", [], "chat.example:8080"), false);
  assert.equal(originAllowed("http://chat.example:8080", [], "localhost:8080"), false);
});

Deno.test("origin: a page served by another gateway of the deployment may connect", () => {
  const siblings = ["ws://localhost:8080/ws", "wss://gw2.chat.example/ws"];
  assert.equal(originAllowed("http://127.0.0.1:8080", [], "localhost:8081", siblings), true);
  assert.equal(originAllowed("https://gw2.chat.example", [], "gw1.chat.example", siblings), true);
  assert.equal(originAllowed("http://127.0.0.1:8082", [], "localhost:8081", siblings), false);
  assert.equal(originAllowed("https://gw3.chat.example", [], "gw1.chat.example", siblings), false);
  assert.equal(
    originAllowed("http://x.example", [], null, ["not a url", "ftp://x.example/"]),
    false,
  );
});

Deno.test("origin: the upgrade lets a page of one gateway connect to another, and no one else", async () => {
  const sys = await startSystem({}, 2);
  try {
    const alice = await sys.register("alice");
    const [g1, g2] = sys.gateways;
    const up = (origin: string) =>
      fetch(`http://127.0.0.1:${g2.port}/ws`, {
        headers: {
          upgrade: "websocket",
          connection: "upgrade",
          "sec-websocket-version": "13",
          "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==",
          authorization: `Bearer ${alice.accessToken}`,
          origin,
        },
      });
    // g1's page (opened as localhost, while g1 announces 127.0.0.1) on g2: upgraded.
    const sibling = await up(`http://localhost:${g1.port}`);
    assert.equal(sibling.status, 101);
    await sibling.body?.cancel();
    const own = await up(`http://127.0.0.1:${g2.port}`);
    assert.equal(own.status, 101);
    await own.body?.cancel();
    const stranger = await up("http://127.0.0.1:1");
    assert.equal(stranger.status, 403);
    await stranger.body?.cancel();
  } finally {
    await sys.close();
  }
});

Deno.test("cached: one read per ttl, shared by concurrent callers; failures are not kept", async () => {
  let now = 0, reads = 0, fail = false;
  const c = new Cached(1000, () => {
    reads++;
    return fail ? Promise.reject(new Error("down")) : Promise.resolve(reads);
  }, () => now);
  assert.deepEqual(await Promise.all([c.get(), c.get()]), [1, 1]);
  now = 999;
  assert.equal(await c.get(), 1);
  now = 1000;
  fail = true;
  await assert.rejects(c.get());
  fail = false;
  assert.equal(await c.get(), 3);
});
