import assert from "node:assert/strict";
import { RateLimiter } from "./ratelimit.ts";
import { originAllowed } from "./origin.ts";

Deno.test("ratelimit: burst, then limited, then refilled", () => {
  let now = 0;
  const rl = new RateLimiter(10, 5, 100, () => now);
  for (let i = 0; i < 5; i++) assert.deepEqual(rl.take(), "ok");
  assert.deepEqual(rl.take(), "limited");
  now += 100; // one token back
  assert.deepEqual(rl.take(), "ok");
  assert.deepEqual(rl.take(), "limited");
});

Deno.test("ratelimit: sustained refusals become abuse", () => {
  const now = 0;
  const rl = new RateLimiter(1, 1, 3, () => now);
  assert.deepEqual(rl.take(), "ok");
  assert.deepEqual([rl.take(), rl.take(), rl.take()], ["limited", "limited", "limited"]);
  assert.deepEqual(rl.take(), "abuse");
});

Deno.test("origin: exact matches only; null refused; absent allowed", () => {
  const list = ["https://chat.example"];
  assert.deepEqual(originAllowed("https://chat.example", list), true);
  assert.deepEqual(originAllowed("https://chat.example.evil", list), false);
  assert.deepEqual(originAllowed("https://evil.chat.example", list), false);
  assert.deepEqual(originAllowed("null", list), false);
  assert.deepEqual(originAllowed(undefined, list), true);
  // The gateway's own page: the Origin's host must be the request's Host, exactly.
  assert.deepEqual(originAllowed("http://127.0.0.1:8080", [], "127.0.0.1:8080"), true);
  assert.deepEqual(originAllowed("http://127.0.0.1:8080", [], "127.0.0.1:8081"), false);
  assert.deepEqual(originAllowed("http://127.0.0.1:8080/x", [], "127.0.0.1:8080"), false);
  assert.deepEqual(originAllowed("ftp://127.0.0.1:8080", [], "127.0.0.1:8080"), false);
  assert.deepEqual(originAllowed("https://evil.example", [], "evil.example.gateway"), false);
});
