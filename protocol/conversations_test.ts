import assert from "node:assert/strict";
import {
  conversationIdSchema,
  directConversationId,
  directPeer,
  groupConversationId,
  parseConversationId,
} from "./conversations.ts";

Deno.test("conversations: a direct id is the same from both sides, and names its two members", () => {
  assert.equal(directConversationId("10", "9"), "d:9:10");
  assert.equal(directConversationId("9", "10"), "d:9:10");
  assert.deepEqual(parseConversationId("d:9:10"), {
    kind: "direct",
    id: "d:9:10",
    members: ["9", "10"],
  });
  assert.equal(directPeer("d:9:10", "9"), "10");
  assert.equal(directPeer("d:9:10", "10"), "9");
  assert.equal(directPeer("d:9:10", "1"), null, "not a member");
  assert.equal(directPeer("d:2:11", "1"), null, "no substring match: 1 is not 11");
});

Deno.test("conversations: groups are named by their own id", () => {
  assert.equal(groupConversationId("77"), "g:77");
  assert.deepEqual(parseConversationId("g:77"), { kind: "group", id: "g:77", groupId: "77" });
  assert.equal(directPeer("g:77", "1"), null);
});

Deno.test("conversations: every other spelling is refused, so one conversation has one id", () => {
  for (
    const bad of [
      "d:10:9", // unordered
      "d:5:5", // oneself
      "d:01:5",
      "d:1",
      "d:1:2:3",
      "g:",
      "g:0",
      "x:1",
      "d:1:2 ",
      `g:${"9".repeat(21)}`,
      "",
    ]
  ) {
    assert.equal(parseConversationId(bad), null, bad);
    assert.equal(conversationIdSchema.parse(bad).ok, false, bad);
  }
  assert.equal(conversationIdSchema.parse(42).ok, false);
  assert.equal(conversationIdSchema.parse("g:1").ok, true);
});
