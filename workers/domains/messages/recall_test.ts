import assert from "node:assert/strict";
import { ErrorCode } from "@im/protocol";
import { checkRecall } from "./recall.ts";
import { parseConversationId } from "@im/protocol";
import type { StoredMessage } from "./tables.ts";

/** The members a direct conversation id names (what the worker resolves them to). */
const membersOf = (m: StoredMessage | null) => {
  const c = m && parseConversationId(m.conversationId);
  return c?.kind === "direct" ? [...c.members] : [];
};
const check = (m: StoredMessage | null, userId: string, now: number, windowSec: number) =>
  checkRecall(m, userId, membersOf(m), now, windowSec);

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
    check(msg(), "1", t0 + 120_000, 120),
    null,
    "the last millisecond of the window",
  );
  assert.equal(check(msg(), "1", t0 + 120_001, 120)?.code, ErrorCode.RECALL_WINDOW);
  assert.equal(check(msg(), "2", t0, 120)?.code, ErrorCode.NOT_SENDER);
  // Not a member: the same answer as a message that does not exist.
  assert.equal(check(msg(), "3", t0, 120)?.code, ErrorCode.NOT_FOUND);
  assert.equal(check(null, "1", t0, 120)?.code, ErrorCode.NOT_FOUND);
  assert.equal(check(msg({ kind: "recall" }), "1", t0, 120)?.code, ErrorCode.NOT_FOUND);
  assert.equal(
    check(msg({ recalledAt: t0 }), "1", t0, 120)?.code,
    ErrorCode.ALREADY_RECALLED,
  );
  // "1" must not match user "11" by substring.
  assert.equal(
    check(msg({ conversationId: "d:2:11", senderId: "11" }), "1", t0, 120)?.code,
    ErrorCode.NOT_FOUND,
  );
});
