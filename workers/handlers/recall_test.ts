import assert from "node:assert/strict";
import { ErrorCode } from "@im/shared/protocol";
import { checkRecall } from "./recall.ts";
import type { StoredMessage } from "../tables/messages.ts";

const msg = (over: Partial<StoredMessage> = {}): StoredMessage => ({
  msgId: "100",
  conversationId: "d:1:2",
  seq: 1,
  senderId: "1",
  clientMsgId: "c",
  kind: "text",
  body: "hello",
  createdAt: 1_000_000,
  sourceEntry: "1-0",
  ...over,
});

Deno.test("recall check: window, sender, membership, repeat (pure)", () => {
  const t0 = 1_000_000;
  assert.equal(
    checkRecall(msg(), "1", t0 + 120_000, 120),
    null,
    "the last millisecond of the window",
  );
  assert.equal(checkRecall(msg(), "1", t0 + 120_001, 120)?.code, ErrorCode.RECALL_WINDOW);
  assert.equal(checkRecall(msg(), "2", t0, 120)?.code, ErrorCode.NOT_SENDER);
  // Not a member: the same answer as a message that does not exist.
  assert.equal(checkRecall(msg(), "3", t0, 120)?.code, ErrorCode.NOT_FOUND);
  assert.equal(checkRecall(null, "1", t0, 120)?.code, ErrorCode.NOT_FOUND);
  assert.equal(checkRecall(msg({ kind: "recall" }), "1", t0, 120)?.code, ErrorCode.NOT_FOUND);
  assert.equal(
    checkRecall(msg({ recalledAt: t0 }), "1", t0, 120)?.code,
    ErrorCode.ALREADY_RECALLED,
  );
  // "1" must not match user "11" by substring.
  assert.equal(
    checkRecall(msg({ conversationId: "d:11:2", senderId: "11" }), "1", t0, 120)?.code,
    ErrorCode.NOT_FOUND,
  );
});
