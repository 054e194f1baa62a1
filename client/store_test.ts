import assert from "node:assert/strict";
import type { MessageView } from "@im/protocol";
import { MessageStore } from "./store.ts";

const C = "d:1:2";
function msg(seq: number, over: Partial<MessageView> = {}): MessageView {
  return {
    msgId: `m${seq}`,
    conversationId: C,
    seq,
    from: "2",
    to: "1",
    clientMsgId: `c${seq}`,
    kind: "text",
    body: `hello ${seq}`,
    serverTime: seq,
    ...over,
  };
}
const seqs = (ms: MessageView[]) => ms.map((m) => m.seq);

Deno.test("store releases in seq order, holds back past a gap, drops duplicates", () => {
  const s = new MessageStore("1");
  assert.deepEqual(seqs(s.ingest([msg(1), msg(3), msg(1)]).released), [1]);
  assert.deepEqual(s.gap(C), { from: 2, to: 2 });
  assert.deepEqual(seqs(s.ingest([msg(4), msg(3)]).released), []);
  assert.deepEqual(seqs(s.ingest([msg(2)]).released), [2, 3, 4]);
  assert.equal(s.gap(C), null);
  assert.deepEqual(seqs(s.get(C)!.messages), [1, 2, 3, 4]);
  assert.deepEqual(s.cursors(), [{ conversationId: C, seq: 4 }]);
  assert.equal(s.get(C)!.peerId, "2");
});

Deno.test("a known head beyond the cursor is a gap; older history slots in quietly", () => {
  const s = new MessageStore("1");
  s.seed({ conversationId: C, seq: 10 });
  const r = s.ingest([msg(9), msg(8)]);
  assert.deepEqual(seqs(r.older), [9, 8]);
  assert.deepEqual(seqs(r.released), []);
  assert.deepEqual(seqs(s.get(C)!.messages), [8, 9]);
  assert.equal(s.oldestSeq(C), 8);
  s.applyMeta({
    conversationId: C,
    messages: [],
    lastSeq: 12,
    readSeq: 0,
    clearedSeq: 0,
    peerDeliveredSeq: 0,
    peerReadSeq: 0,
  });
  assert.deepEqual(s.gap(C), { from: 11, to: 12 });
});

Deno.test("recall: by push, by notice, before or after the original arrives", () => {
  const s = new MessageStore("1");
  s.ingest([msg(1), msg(2)]);
  const pushed = s.applyRecall({ conversationId: C, msgId: "m1", seq: 1, by: "2", recallSeq: 3 });
  assert.equal(pushed?.recalled, true);
  assert.equal(pushed?.body, "");
  assert.deepEqual(s.gap(C), { from: 3, to: 3 });
  const notice = msg(3, { kind: "recall", ref: "m2", body: "" });
  const r = s.ingest([notice]);
  assert.deepEqual(r.recalled.map((m) => m.msgId), ["m2"]);
  // A recall that arrives before its message still applies.
  s.applyRecall({ conversationId: C, msgId: "m5", seq: 5, by: "2", recallSeq: 6 });
  assert.equal(s.ingest([msg(4), msg(5)]).released[1].recalled, true);
});

Deno.test("unread counts the peer's texts above my read cursor; cursors never go back", () => {
  const s = new MessageStore("1");
  s.ingest([msg(1), msg(2, { from: "1", to: "2" }), msg(3), msg(4)]);
  assert.equal(s.unread(C), 3);
  assert.ok(s.setRead(C, 3));
  assert.equal(s.unread(C), 1);
  assert.ok(!s.setRead(C, 2));
  assert.ok(s.applyReceipt({ conversationId: C, by: "2", deliveredSeq: 4, readSeq: 2 }));
  assert.ok(!s.applyReceipt({ conversationId: C, by: "2", deliveredSeq: 3, readSeq: 1 }));
  assert.equal(s.get(C)!.peerReadSeq, 2);
  assert.ok(s.applyReceipt({ conversationId: C, by: "1", deliveredSeq: 4, readSeq: 4 }));
  assert.equal(s.unread(C), 0);
});

Deno.test("skipTo releases messages held behind a gap the server cannot fill", () => {
  const s = new MessageStore("1");
  s.ingest([msg(1), msg(4)]);
  const held = s.skipTo(C, 3);
  assert.deepEqual(seqs(s.ingest(held).released), [4]);
  assert.equal(s.get(C)!.syncedSeq, 4);
});

Deno.test("a cleared range leaves the store, is never waited for, and is where history starts", () => {
  const s = new MessageStore("1");
  s.ingest([msg(1), msg(2), msg(3)]);
  assert.equal(s.applyClear(C, 2), true);
  assert.deepEqual(seqs(s.get(C)!.messages), [3]);
  assert.equal(s.atStart(C), true, "nothing older is visible");
  assert.equal(s.applyClear(C, 1), false, "never goes back");
  const fresh = new MessageStore("1");
  fresh.applyMeta({
    conversationId: C,
    messages: [],
    lastSeq: 9,
    readSeq: 0,
    clearedSeq: 7,
    peerDeliveredSeq: 0,
    peerReadSeq: 0,
  });
  assert.deepEqual(fresh.gap(C), { from: 8, to: 9 }, "only what is visible is missing");
  assert.deepEqual(seqs(fresh.ingest([msg(8), msg(9)]).released), [8, 9]);
});
