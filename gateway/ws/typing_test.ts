/**
 * Typing through a real gateway and worker: the configured expiry, the per-connection limit on
 * starts, and silence towards (and from) a user who blocked the other.
 */
import assert from "node:assert/strict";
import { directConversationId, ErrorCode } from "@im/protocol";
import { startSystem, TestSocket } from "../test_support.ts";

Deno.test("typing: carries TYPING_EXPIRES_MS, starts are limited per connection, a block silences it", async () => {
  const sys = await startSystem({ blockMs: 100, typingExpiresMs: 4321, typingMinIntervalMs: 500 });
  try {
    const tag = crypto.randomUUID().slice(0, 6);
    const [alice, bob] = [await sys.register(`alice_${tag}`), await sys.register(`bob_${tag}`)];
    const a = await TestSocket.open(alice.wsUrl, alice.accessToken);
    const b = await TestSocket.open(bob.wsUrl, bob.accessToken);
    const conversationId = directConversationId(alice.userId, bob.userId);
    a.send({ type: "typing", data: { conversationId, active: true } });
    const got = await b.next("typing");
    assert.deepEqual(got.data, {
      conversationId,
      userId: alice.userId,
      active: true,
      expiresInMs: 4321,
    });
    a.send({ type: "typing", id: "again", data: { conversationId, active: true } });
    assert.equal(
      (await a.next("error", (f) => f.id === "again")).data.code,
      ErrorCode.RATE_LIMITED,
    );
    a.send({ type: "typing", data: { conversationId, active: false } });
    assert.equal((await b.next("typing")).data.active, false, "a stop is never limited");
    await sys.env.db.insertInto("user_blocks").values({
      user_id: bob.userId,
      blocked_id: alice.userId,
      created_at: 1,
    }).execute();
    await new Promise((r) => setTimeout(r, 5100)); // blocks reach typing within BLOCK_CACHE_MS
    a.send({ type: "typing", data: { conversationId, active: true } });
    b.send({ type: "typing", data: { conversationId, active: true } });
    await new Promise((r) => setTimeout(r, 600));
    assert.equal(b.frames.some((f) => f.type === "typing"), false);
    assert.equal(
      a.frames.some((f) => f.type === "typing" || f.type === "error"),
      false,
      "nothing tells either of the block",
    );
    await a.close();
    await b.close();
  } finally {
    await sys.close();
  }
});
