import assert from "node:assert/strict";
import { testEnv } from "@im/shared/testing";
import { createUsers } from "../../test_support.ts";
import { blockedEitherWay, blockedPairs } from "./blocks.ts";

Deno.test("blocks: a block counts in both directions, only for the pairs asked", async () => {
  const env = await testEnv();
  try {
    const [a, b, c] = await createUsers(env, "a", "b", "c");
    await env.db.insertInto("user_blocks").values({ user_id: b, blocked_id: a, created_at: 1 })
      .execute();
    assert.equal(await blockedEitherWay(env.db, a, b), true);
    assert.equal(await blockedEitherWay(env.db, b, a), true);
    assert.equal(await blockedEitherWay(env.db, a, c), false);
    const found = await blockedPairs(env.db, [[a, c], [c, b], [a, b]]);
    assert.deepEqual([...found], [BigInt(a) < BigInt(b) ? `${a}:${b}` : `${b}:${a}`]);
  } finally {
    await env.close();
  }
});
