import assert from "node:assert/strict";
import { directConversationId } from "@im/protocol";
import { fnv1a, partitionOf } from "./partition.ts";

Deno.test("partition: stable and spread over every partition", () => {
  assert.deepEqual(fnv1a("d:1:2"), fnv1a("d:1:2"));
  const counts = new Array(16).fill(0);
  for (let i = 1; i <= 1600; i++) {
    counts[partitionOf(directConversationId("1", String(i + 1)), 16)]++;
  }
  for (const c of counts) assert.deepEqual(c > 50 && c < 150, true, `uneven: ${counts}`);
});
