import assert from "node:assert/strict";
import { decodeSnowflake, EPOCH_MS, Snowflake } from "./snowflake.ts";

Deno.test("snowflake: ids are unique and increasing within a millisecond and across them", () => {
  let now = EPOCH_MS + 1000;
  const gen = new Snowflake(7, () => now);
  const ids: bigint[] = [];
  for (let i = 0; i < 10_000; i++) {
    if (i % 3000 === 0) now++;
    ids.push(gen.next());
  }
  assert.deepEqual(new Set(ids).size, ids.length);
  for (let i = 1; i < ids.length; i++) assert.deepEqual(ids[i] > ids[i - 1], true);
  assert.deepEqual(decodeSnowflake(ids[0]).workerId, 7);
});

Deno.test("snowflake: a clock stepping back never reissues an id", () => {
  let now = EPOCH_MS + 5000;
  const gen = new Snowflake(1, () => now);
  const a = gen.next();
  now -= 2000;
  const b = gen.next();
  assert.deepEqual(b > a, true);
});

Deno.test("snowflake: workers never collide and ids pass 2^53", () => {
  const now = () => EPOCH_MS + 400 * 24 * 3600 * 1000;
  const a = new Snowflake(1, now).next();
  const b = new Snowflake(2, now).next();
  assert.deepEqual(a === b, false);
  assert.deepEqual(a > 2n ** 53n, true);
  assert.throws(() => new Snowflake(1024), RangeError);
});
