/**
 * The delivery guarantees through a real gateway and worker (in-process) on real Redis and
 * MariaDB: receipts, stored-offline, recall, sync, history, msgId batches and re-push.
 */
import assert from "node:assert/strict";
import { ErrorCode } from "@im/protocol";
import { type Session, startSystem, type System, TestSocket } from "../test_support.ts";

let n = 0;
const text = (to: string, body = "hi", extra: Record<string, unknown> = {}) => {
  const id = `t${++n}`;
  return { type: "msg.send", id, data: { to, clientMsgId: id, kind: "text", body, ...extra } };
};
const open = (s: Session, sys: System, g = 0) =>
  TestSocket.open(`ws://127.0.0.1:${sys.gateways[g].port}/ws`, s.accessToken);
const errorCode = async (s: TestSocket, frame: { type: string; id: string; data: unknown }) =>
  (await s.request(frame, "error")).data.code;

Deno.test("receipts: delivered and read reach the sender, never go backwards, and bad cursors are refused", async () => {
  const sys = await startSystem();
  try {
    const [alice, bob, carol] = [
      await sys.register("alice"),
      await sys.register("bob"),
      await sys.register("carol"),
    ];
    const a = await open(alice, sys), b = await open(bob, sys), c = await open(carol, sys);
    const sent = await a.request(text(bob.userId), "msg.sent");
    const conv = sent.data.conversationId;
    await b.next("msg.new");
    await b.request(
      { type: "msg.delivered", id: "d1", data: { conversationId: conv, seq: 1 } },
      "ok",
    );
    assert.deepEqual((await a.next("receipt")).data, {
      conversationId: conv,
      by: bob.userId,
      deliveredSeq: 1,
      readSeq: 0,
    });
    await b.request({ type: "msg.read", id: "r1", data: { conversationId: conv, seq: 1 } }, "ok");
    assert.deepEqual((await a.next("receipt")).data, {
      conversationId: conv,
      by: bob.userId,
      deliveredSeq: 1,
      readSeq: 1,
    });
    // A late "delivered" after "read" changes nothing and sends no receipt.
    await b.request(
      { type: "msg.delivered", id: "d0", data: { conversationId: conv, seq: 0 } },
      "ok",
    );
    // The sender's statuses, as any of its devices learns them by sync: message 1 is read.
    const state = (await a.request({
      type: "sync",
      id: "st",
      data: { cursors: [{ conversationId: conv, seq: 1 }] },
    }, "sync.page"))
      .data.conversations[0];
    assert.deepEqual([state.peerDeliveredSeq, state.peerReadSeq], [1, 1]);
    const hist = await a.request(
      { type: "history", id: "hs", data: { conversationId: conv } },
      "history.page",
    );
    assert.deepEqual([hist.data.peerDeliveredSeq, hist.data.peerReadSeq], [1, 1]);
    const member = await sys.env.db.selectFrom("conversation_members").selectAll()
      .where("user_id", "=", bob.userId).executeTakeFirstOrThrow();
    assert.deepEqual([member.delivered_seq, member.read_seq], [1, 1]);

    assert.equal(
      await errorCode(b, { type: "msg.read", id: "far", data: { conversationId: conv, seq: 99 } }),
      ErrorCode.CURSOR_INVALID,
    );
    assert.equal(
      await errorCode(c, { type: "msg.read", id: "nm", data: { conversationId: conv, seq: 1 } }),
      ErrorCode.NOT_FOUND,
    );
    assert.equal(
      await errorCode(b, { type: "msg.read", id: "neg", data: { conversationId: conv, seq: -1 } }),
      ErrorCode.INVALID_FRAME,
    );
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(
      a.frames.filter((f) => f.type === "receipt").length,
      0,
      "no receipt for no change",
    );
    for (const s of [a, b, c]) await s.close();
  } finally {
    await sys.close();
  }
});

Deno.test("offline: a receiver with no device gives the sender 'stored offline', never 'delivered'", async () => {
  const sys = await startSystem();
  try {
    const [alice, bob] = [await sys.register("alice"), await sys.register("bob")];
    const a = await open(alice, sys);
    const sent = await a.request(text(bob.userId), "msg.sent");
    const off = await a.next("msg.offline");
    assert.deepEqual(off.data, {
      conversationId: sent.data.conversationId,
      msgId: sent.data.msgId,
      seq: 1,
    });
    assert.equal(a.frames.some((f) => f.type === "receipt"), false);
    await a.close();
  } finally {
    await sys.close();
  }
});

Deno.test("recall: sender only, once; content gone from history and sync; notice to both users", async () => {
  const sys = await startSystem();
  try {
    const [alice, bob] = [await sys.register("alice"), await sys.register("bob")];
    const a = await open(alice, sys), b = await open(bob, sys);
    const sent = await a.request(text(bob.userId, "oops, secret"), "msg.sent");
    await b.next("msg.new");
    assert.equal(
      await errorCode(b, { type: "msg.recall", id: "x1", data: { msgId: sent.data.msgId } }),
      ErrorCode.NOT_SENDER,
    );
    const rec = await a.request(
      { type: "msg.recall", id: "x2", data: { msgId: sent.data.msgId } },
      "msg.recalled",
    );
    assert.deepEqual([rec.data.msgId, rec.data.seq, rec.data.recallSeq, rec.data.by], [
      sent.data.msgId,
      1,
      2,
      alice.userId,
    ]);
    assert.equal((await b.next("msg.recalled")).data.msgId, sent.data.msgId);
    assert.equal(
      await errorCode(a, { type: "msg.recall", id: "x3", data: { msgId: sent.data.msgId } }),
      ErrorCode.ALREADY_RECALLED,
    );
    assert.equal(
      await errorCode(a, { type: "msg.recall", id: "x4", data: { msgId: "123456789" } }),
      ErrorCode.NOT_FOUND,
    );
    const hist = await b.request({
      type: "history",
      id: "h",
      data: { conversationId: sent.data.conversationId },
    }, "history.page");
    assert.deepEqual(
      hist.data.messages.map((
        m: { kind: string; body: string; recalled?: boolean; ref?: string },
      ) => [m.kind, m.body, m.recalled ?? false, m.ref ?? null]),
      [
        ["text", "", true, null],
        ["recall", "", false, sent.data.msgId],
      ],
    );
    const stored = await sys.env.db.selectFrom("messages").select("body").where(
      "msg_id",
      "=",
      sent.data.msgId,
    ).executeTakeFirstOrThrow();
    assert.equal(stored.body, "", "the content is erased, not hidden");
    for (const s of [a, b]) await s.close();
  } finally {
    await sys.close();
  }
});

Deno.test("sync: an offline device gets what it missed in seq order, paged, with final statuses", async () => {
  const sys = await startSystem();
  try {
    const [alice, bob, carol] = [
      await sys.register("alice"),
      await sys.register("bob"),
      await sys.register("carol"),
    ];
    const a = await open(alice, sys), c = await open(carol, sys);
    for (let i = 0; i < 30; i++) a.send(text(bob.userId, `a${i}`));
    for (let i = 0; i < 30; i++) c.send(text(bob.userId, `c${i}`));
    for (let i = 0; i < 30; i++) await a.next("msg.sent");
    for (let i = 0; i < 30; i++) await c.next("msg.sent");

    const b = await open(bob, sys);
    const got = new Map<string, number[]>();
    let cursors: Array<{ conversationId: string; seq: number }> = [];
    let pages = 0;
    for (;;) {
      const page = await b.request(
        { type: "sync", id: `s${pages}`, data: { cursors, limit: 25 } },
        "sync.page",
      );
      pages++;
      let inPage = 0;
      for (const conv of page.data.conversations) {
        const seqs = got.get(conv.conversationId) ?? [];
        for (const m of conv.messages) seqs.push(m.seq);
        inPage += conv.messages.length;
        got.set(conv.conversationId, seqs);
        const last = seqs.at(-1) ?? 0;
        cursors = cursors.filter((x) => x.conversationId !== conv.conversationId).concat({
          conversationId: conv.conversationId,
          seq: last,
        });
      }
      assert.ok(inPage <= 25, "a page never exceeds its limit");
      if (!page.data.more) break;
    }
    assert.equal(pages, 3);
    assert.equal(got.size, 2);
    for (const seqs of got.values()) {
      assert.deepEqual(
        seqs,
        Array.from({ length: 30 }, (_, i) => i + 1),
      );
    }

    // Bob reads alice's conversation; alice's other device, offline then, learns it by sync.
    const conv = cursors.find((x) =>
      x.conversationId.includes(`:${alice.userId}:`) ||
      x.conversationId.endsWith(`:${alice.userId}`)
    )!;
    await b.request({
      type: "msg.read",
      id: "rd",
      data: { conversationId: conv.conversationId, seq: 30 },
    }, "ok");
    const alice2 = await sys.login("alice", "tablet");
    const a2 = await open(alice2, sys);
    const page = await a2.request({
      type: "sync",
      id: "sa",
      data: { cursors: [{ conversationId: conv.conversationId, seq: 30 }] },
    }, "sync.page");
    const state = page.data.conversations[0];
    assert.deepEqual([
      state.lastSeq,
      state.peerReadSeq,
      state.peerDeliveredSeq,
      state.messages.length,
    ], [30, 30, 30, 0]);

    assert.equal(
      await errorCode(b, {
        type: "sync",
        id: "fut",
        data: { cursors: [{ conversationId: conv.conversationId, seq: 31 }] },
      }),
      ErrorCode.CURSOR_INVALID,
    );
    assert.equal(
      await errorCode(b, {
        type: "sync",
        id: "neg",
        data: { cursors: [{ conversationId: conv.conversationId, seq: -1 }] },
      }),
      ErrorCode.INVALID_FRAME,
    );
    assert.equal(
      await errorCode(b, {
        type: "history",
        id: "big",
        data: { conversationId: conv.conversationId, limit: 10000 },
      }),
      ErrorCode.INVALID_FRAME,
    );
    const h = await b.request({
      type: "history",
      id: "h2",
      data: { conversationId: conv.conversationId, beforeSeq: 11, limit: 5 },
    }, "history.page");
    assert.deepEqual([h.data.messages.map((m: { seq: number }) => m.seq), h.data.more], [[
      6,
      7,
      8,
      9,
      10,
    ], true]);
    for (const s of [a, b, c, a2]) await s.close();
  } finally {
    await sys.close();
  }
});

Deno.test("ids: reserved msgIds are usable once, by their owner only", async () => {
  const sys = await startSystem();
  try {
    const [alice, bob] = [await sys.register("alice"), await sys.register("bob")];
    const a = await open(alice, sys), b = await open(bob, sys);
    const batch = await a.request(
      { type: "ids.fetch", id: "i1", data: { count: 1000 } },
      "ids.batch",
    );
    assert.equal(batch.data.ids.length, 1000);
    assert.equal(new Set(batch.data.ids).size, 1000);
    const [first, second] = batch.data.ids;
    const sent = await a.request(text(bob.userId, "with my id", { msgId: first }), "msg.sent");
    assert.equal(sent.data.msgId, first);
    assert.equal(
      await errorCode(a, text(bob.userId, "reuse", { msgId: first })),
      ErrorCode.MSG_ID_INVALID,
    );
    assert.equal(
      await errorCode(b, text(alice.userId, "stolen", { msgId: second })),
      ErrorCode.MSG_ID_INVALID,
    );
    assert.equal(
      await errorCode(a, text(bob.userId, "invented", { msgId: "999999999999" })),
      ErrorCode.MSG_ID_INVALID,
    );
    assert.equal(
      await errorCode(a, { type: "ids.fetch", id: "i2", data: { count: 1001 } }),
      ErrorCode.INVALID_FRAME,
    );
    for (const s of [a, b]) await s.close();
  } finally {
    await sys.close();
  }
});

Deno.test("retry: an unacked delivery is pushed again, to the device's new connection, until acked", async () => {
  const sys = await startSystem({ retryScheduleSec: ["1", "2", "60"] }, 2);
  try {
    const [alice, bob] = [await sys.register("alice"), await sys.register("bob")];
    const a = await open(alice, sys, 0);
    let b = await open(bob, sys, 0);
    const sent = await a.request(text(bob.userId, "are you there"), "msg.sent");
    assert.equal((await b.next("msg.new")).data.msgId, sent.data.msgId);
    // Bob's device does not ack; it moves to the other gateway before the first re-push.
    b.ws.close();
    await b.closed;
    b = await open(bob, sys, 1);
    const again = await b.next("msg.new", () => true, 4000);
    assert.equal(again.data.msgId, sent.data.msgId, "re-pushed to the new route");
    await b.request({
      type: "msg.delivered",
      id: "ack",
      data: { conversationId: sent.data.conversationId, seq: 1 },
    }, "ok");
    await new Promise((r) => setTimeout(r, 2500)); // past the second re-push time
    assert.equal(
      b.frames.filter((f) => f.type === "msg.new").length,
      0,
      "an ack stops the re-pushes",
    );
    for (const s of [a, b]) await s.close();
  } finally {
    await sys.close();
  }
});

Deno.test("sync: 10,000 missed messages over 100 conversations arrive in bounded pages", async () => {
  const sys = await startSystem();
  try {
    const bob = await sys.register("bob");
    // Stored directly (as 100 senders' conversations would be) to keep the test quick.
    const db = sys.env.db;
    const senders: string[] = [];
    for (let i = 0; i < 100; i++) {
      const r = await db.insertInto("users").values({
        username: `s${i}`,
        password_hash: "x",
        nickname: `s${i}`,
        created_at: 0,
      })
        .executeTakeFirstOrThrow();
      senders.push(String(r.insertId));
    }
    let msgId = 1_000_000n;
    for (const s of senders) {
      const [lo, hi] = BigInt(s) < BigInt(bob.userId) ? [s, bob.userId] : [bob.userId, s];
      const conv = `d:${lo}:${hi}`;
      await db.insertInto("conversations").values({
        id: conv,
        kind: "direct",
        last_seq: 100,
        last_msg_id: null,
        created_at: 0,
        updated_at: 0,
      }).execute();
      await db.insertInto("conversation_members").values([
        { conversation_id: conv, user_id: s, joined_at: 0 },
        { conversation_id: conv, user_id: bob.userId, joined_at: 0 },
      ]).execute();
      await db.insertInto("messages").values(Array.from({ length: 100 }, (_, k) => ({
        msg_id: String(msgId++),
        conversation_id: conv,
        seq: k + 1,
        sender_id: s,
        client_msg_id: `c${k}`,
        kind: "text",
        body: `m${k}`,
        created_at: 0,
        source_entry: "0-0",
      }))).execute();
    }
    const b = await open(bob, sys);
    const cursors = new Map<string, number>();
    let pages = 0, total = 0, biggest = 0;
    for (;;) {
      const page = await b.request({
        type: "sync",
        id: `p${pages}`,
        data: {
          cursors: [...cursors].map(([conversationId, seq]) => ({ conversationId, seq })),
          limit: 500,
        },
      }, "sync.page");
      pages++;
      let n = 0;
      for (const c of page.data.conversations) {
        for (const m of c.messages) {
          assert.equal(m.seq, (cursors.get(c.conversationId) ?? 0) + 1, "in seq order, no gap");
          cursors.set(c.conversationId, m.seq);
          n++;
        }
      }
      total += n;
      biggest = Math.max(biggest, n);
      if (!page.data.more) break;
      assert.ok(pages < 100, "sync terminates");
    }
    assert.equal(total, 10_000);
    assert.equal(biggest, 500, "no page holds more than its limit");
    assert.equal(pages, 20);
    await b.close();
  } finally {
    await sys.close();
  }
});
