import assert from "node:assert/strict";
import { RateLimiter } from "./ratelimit.ts";

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
