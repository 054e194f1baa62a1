import assert from "node:assert/strict";
import { Backoff } from "./backoff.ts";

Deno.test("backoff doubles from the base, stays within [half, full] and is capped", () => {
  const hi = new Backoff({ baseMs: 100, maxMs: 1000, factor: 2 }, () => 1);
  assert.deepEqual([1, 2, 3, 4, 5, 6].map(() => hi.next()), [100, 200, 400, 800, 1000, 1000]);
  const lo = new Backoff({ baseMs: 100, maxMs: 1000, factor: 2 }, () => 0);
  assert.deepEqual([1, 2, 3, 4, 5].map(() => lo.next()), [50, 100, 200, 400, 500]);
});

Deno.test("backoff jitter spreads clients and reset starts over", () => {
  const values = [0.1, 0.9];
  const b = new Backoff({ baseMs: 1000, maxMs: 30_000, factor: 2 }, () => values.shift()!);
  assert.equal(b.next(), 550);
  assert.equal(b.next(), 1900);
  assert.equal(b.attempt, 2);
  b.reset();
  assert.equal(b.attempt, 0);
});
