/**
 * Calls through a real gateway and worker (in-process) on real Redis and MariaDB: ringing on
 * every device, answered on one, SDP/ICE relayed to the two devices in the call only, every
 * ending stored as a `call` message in both histories, and the refusals that keep strangers
 * out (they learn nothing) and a blocked caller silent.
 */
import assert from "node:assert/strict";
import { directConversationId, ErrorCode } from "@im/protocol";
import type { Config } from "@im/shared/config";
import { type Frame, type Session, startSystem, type System, TestSocket } from "../test_support.ts";

interface Rig {
  sys: System;
  a: TestSocket;
  b1: TestSocket;
  b2: TestSocket;
  c: TestSocket;
  ids: { a: string; b: string; c: string };
  conv: string;
}

async function rig(overrides: Partial<Config> = {}): Promise<Rig> {
  const sys = await startSystem({ blockMs: 100, ...overrides });
  const tag = crypto.randomUUID().slice(0, 6);
  const [alice, bob, carol] = [
    await sys.register(`alice_${tag}`),
    await sys.register(`bob_${tag}`, "phone"),
    await sys.register(`carol_${tag}`),
  ];
  const bobLaptop = await sys.login(`bob_${tag}`, "laptop");
  const open = (s: Session) => TestSocket.open(s.wsUrl, s.accessToken);
  return {
    sys,
    a: await open(alice),
    b1: await open(bob),
    b2: await open(bobLaptop),
    c: await open(carol),
    ids: { a: alice.userId, b: bob.userId, c: carol.userId },
    conv: directConversationId(alice.userId, bob.userId),
  };
}

async function done(r: Rig) {
  for (const s of [r.a, r.b1, r.b2, r.c]) await s.close();
  await r.sys.close();
}

let n = 0;
const newCallId = () => `t${Date.now().toString(36)}${n++}abcdef`;

async function invite(r: Rig, media = "video"): Promise<string> {
  const callId = newCallId();
  const ringing = await r.a.request(
    { type: "call.invite", id: `i-${callId}`, data: { callId, conversationId: r.conv, media } },
    "call.ringing",
  );
  assert.equal(ringing.data.to, r.ids.b);
  return callId;
}

const forCall = (callId: string) => (f: Frame) => f.data.callId === callId;
const err = (s: TestSocket, id: string) => s.next("error", (f) => f.id === id);

/** The call message of a conversation's history, as either member sees it. */
async function recordIn(s: TestSocket, conv: string, callId: string) {
  const m = await s.next(
    "msg.new",
    (f) => f.data.kind === "call" && f.data.call?.callId === callId,
    8000,
  );
  const page = await s.request({
    type: "history",
    id: `h-${callId}`,
    data: { conversationId: conv },
  }, "history.page");
  const stored = page.data.messages.find((x: Frame["data"]) => x.call?.callId === callId);
  assert.deepEqual(stored, m.data, "the pushed record is the stored one");
  return m.data;
}

Deno.test("calls: ring every device, answer on one, relay SDP/ICE between the two only, hang up, record both sides", async () => {
  const r = await rig();
  try {
    const callId = await invite(r);
    for (const s of [r.b1, r.b2]) {
      const inc = await s.next("call.incoming", forCall(callId));
      assert.equal(inc.data.from, r.ids.a);
      assert.equal(inc.data.media, "video");
      assert.ok(inc.data.expiresInMs > 0);
    }
    assert.equal(r.c.frames.some((f) => f.type === "call.incoming"), false);
    // A stranger cannot answer, signal or end someone else's call, and learns nothing.
    for (const type of ["call.accept", "call.reject", "call.hangup"]) {
      r.c.send({ type, id: `x-${type}`, data: { callId } });
      assert.equal((await err(r.c, `x-${type}`)).data.code, ErrorCode.NOT_FOUND);
    }
    r.c.send({
      type: "call.signal",
      id: "x-sig",
      data: { callId, sdp: { type: "offer", sdp: "v=0" } },
    });
    assert.equal((await err(r.c, "x-sig")).data.code, ErrorCode.NOT_FOUND);
    // Before the answer there is nothing to relay.
    r.a.send({
      type: "call.signal",
      id: "early",
      data: { callId, sdp: { type: "offer", sdp: "v=0" } },
    });
    assert.equal((await err(r.a, "early")).data.code, ErrorCode.CALL_STATE);

    const acc = await r.b1.request(
      { type: "call.accept", id: "acc", data: { callId } },
      "call.accepted",
    );
    assert.equal(acc.data.by, r.ids.b);
    assert.equal((await r.a.next("call.accepted", forCall(callId))).data.by, r.ids.b);
    const elsewhere = await r.b2.next("call.ended", forCall(callId));
    assert.equal(elsewhere.data.reason, "answered_elsewhere");
    r.b2.send({ type: "call.accept", id: "late", data: { callId } });
    assert.equal((await err(r.b2, "late")).data.code, ErrorCode.CALL_ANSWERED_ELSEWHERE);

    r.a.send({ type: "call.signal", data: { callId, sdp: { type: "offer", sdp: "v=0 offer" } } });
    const offer = await r.b1.next("call.signal", forCall(callId));
    assert.deepEqual([offer.data.from, offer.data.sdp], [r.ids.a, {
      type: "offer",
      sdp: "v=0 offer",
    }]);
    const candidate = {
      candidate: "candidate:1 1 udp 1 127.0.0.1 5000 typ host",
      sdpMid: "0",
      sdpMLineIndex: 0,
    };
    r.b1.send({ type: "call.signal", data: { callId, candidate } });
    assert.deepEqual((await r.a.next("call.signal", forCall(callId))).data.candidate, candidate);
    // Bob's other device is not in the call: it cannot inject anything.
    r.b2.send({ type: "call.signal", id: "inject", data: { callId, candidate } });
    assert.equal((await err(r.b2, "inject")).data.code, ErrorCode.CALL_STATE);
    // Identity is the connection's: a smuggled `from` is refused at the door.
    r.c.send({ type: "call.signal", id: "from", data: { callId, candidate, from: r.ids.a } });
    assert.equal((await err(r.c, "from")).data.code, ErrorCode.INVALID_FRAME);
    // Nor may a client write a call record.
    r.c.send({ type: "call.record", id: "rec", data: { callId } });
    assert.equal((await err(r.c, "rec")).data.code, ErrorCode.UNKNOWN_TYPE);

    await new Promise((res) => setTimeout(res, 300));
    const ended = await r.a.request(
      { type: "call.hangup", id: "bye", data: { callId } },
      "call.ended",
    );
    assert.equal(ended.data.reason, "hangup");
    assert.ok(ended.data.durationMs >= 300);
    const peer = await r.b1.next("call.ended", forCall(callId));
    assert.deepEqual([peer.data.reason, peer.data.by], ["hangup", r.ids.a]);
    for (const s of [r.a, r.b1]) {
      const rec = await recordIn(s, r.conv, callId);
      assert.equal(rec.from, r.ids.a);
      assert.deepEqual(
        [rec.call.outcome, rec.call.reason, rec.call.media, rec.call.caller, rec.call.callee],
        ["finished", "hangup", "video", r.ids.a, r.ids.b],
      );
      assert.equal(rec.call.durationMs, ended.data.durationMs);
    }
    r.b1.send({ type: "call.hangup", id: "again", data: { callId } });
    assert.equal((await err(r.b1, "again")).data.code, ErrorCode.CALL_ENDED);
  } finally {
    await done(r);
  }
});

Deno.test("calls: both of the callee's devices answer at once: one call, the other told elsewhere", async () => {
  const r = await rig();
  try {
    const callId = await invite(r);
    await r.b1.next("call.incoming", forCall(callId));
    await r.b2.next("call.incoming", forCall(callId));
    r.b1.send({ type: "call.accept", id: "x", data: { callId } });
    r.b2.send({ type: "call.accept", id: "x", data: { callId } });
    const outcomes = await Promise.all(
      [r.b1, r.b2].map((s) =>
        s.next("call.accepted", (f) => f.id === "x", 3000).then(() => "accepted", () => "refused")
      ),
    );
    assert.deepEqual(outcomes.sort(), ["accepted", "refused"]);
    const loser = outcomes[0] === "refused" ? r.b1 : r.b2;
    assert.equal((await err(loser, "x")).data.code, ErrorCode.CALL_ANSWERED_ELSEWHERE);
    assert.equal((await r.a.next("call.accepted", forCall(callId))).data.by, r.ids.b);
    assert.equal(
      r.a.frames.filter((f) => f.type === "call.accepted").length,
      0,
      "the caller hears one answer",
    );
  } finally {
    await done(r);
  }
});

Deno.test("calls: reject, cancel and the ring timeout end a ringing call and are stored", async () => {
  const r = await rig({ callRingSec: 1 });
  try {
    const rejected = await invite(r);
    await r.b2.next("call.incoming", forCall(rejected));
    r.b2.send({ type: "call.reject", id: "no", data: { callId: rejected } });
    assert.equal((await r.b2.next("call.ended", (f) => f.id === "no")).data.reason, "rejected");
    assert.equal((await r.a.next("call.ended", forCall(rejected))).data.reason, "rejected");
    assert.equal(
      (await r.b1.next("call.ended", forCall(rejected))).data.reason,
      "rejected",
      "the other device stops ringing",
    );
    assert.equal((await recordIn(r.a, r.conv, rejected)).call.outcome, "rejected");

    const cancelled = await invite(r);
    r.b1.send({ type: "call.cancel", id: "not-mine", data: { callId: cancelled } });
    assert.equal((await err(r.b1, "not-mine")).data.code, ErrorCode.CALL_STATE);
    r.a.send({ type: "call.cancel", id: "c", data: { callId: cancelled } });
    await r.a.next("call.ended", (f) => f.id === "c");
    for (const s of [r.b1, r.b2]) {
      assert.equal((await s.next("call.ended", forCall(cancelled))).data.reason, "cancelled");
    }
    const missed = await recordIn(r.b1, r.conv, cancelled);
    assert.deepEqual([missed.call.outcome, missed.call.reason], ["missed", "cancelled"]);

    const unanswered = await invite(r, "audio");
    const t0 = Date.now();
    const timeout = await r.a.next("call.ended", forCall(unanswered), 5000);
    assert.equal(timeout.data.reason, "timeout");
    assert.ok(Date.now() - t0 >= 700, "not before CALL_RING_SEC");
    await r.b1.next("call.ended", forCall(unanswered));
    const rec = await recordIn(r.b2, r.conv, unanswered);
    assert.deepEqual([rec.call.outcome, rec.call.media, rec.call.durationMs], [
      "missed",
      "audio",
      0,
    ]);
  } finally {
    await done(r);
  }
});

Deno.test("calls: busy when the callee is in a call (stored), refused when the caller is", async () => {
  const r = await rig();
  try {
    // Carol and Bob are on a call.
    const cb = newCallId();
    const cbConv = directConversationId(r.ids.c, r.ids.b);
    await r.c.request({
      type: "call.invite",
      id: "cb",
      data: { callId: cb, conversationId: cbConv, media: "audio" },
    }, "call.ringing");
    await r.b1.request({ type: "call.accept", id: "cba", data: { callId: cb } }, "call.accepted");
    const callId = newCallId();
    r.a.send({
      type: "call.invite",
      id: "busy",
      data: { callId, conversationId: r.conv, media: "video" },
    });
    assert.equal((await err(r.a, "busy")).data.code, ErrorCode.CALL_BUSY);
    const rec = await recordIn(r.b2, r.conv, callId);
    assert.deepEqual([rec.call.outcome, rec.call.reason], ["busy", "busy"]);
    assert.equal(
      r.b2.frames.some((f) => f.type === "call.incoming" && f.data.callId === callId),
      false,
    );
    // Carol, in her call, cannot start another.
    const ca = newCallId();
    r.c.send({
      type: "call.invite",
      id: "second",
      data: { callId: ca, conversationId: directConversationId(r.ids.c, r.ids.a), media: "audio" },
    });
    assert.equal((await err(r.c, "second")).data.code, ErrorCode.CALL_BUSY);
    // The same call id twice is refused.
    r.a.send({
      type: "call.invite",
      id: "dup",
      data: { callId: cb, conversationId: r.conv, media: "audio" },
    });
    assert.equal((await err(r.a, "dup")).data.code, ErrorCode.CALL_ID_TAKEN);
    // Once it is over, the lines are free again.
    await r.c.request({ type: "call.hangup", id: "cbh", data: { callId: cb } }, "call.ended");
    await invite(r);
  } finally {
    await done(r);
  }
});

Deno.test("calls: a blocked caller, or a stranger to a friends-only user, rings nobody; strangers' groups and others' chats are closed", async () => {
  const r = await rig();
  try {
    await r.sys.env.db.insertInto("user_blocks").values({
      user_id: r.ids.b,
      blocked_id: r.ids.a,
      created_at: Date.now(),
    }).execute();
    const callId = newCallId();
    r.a.send({
      type: "call.invite",
      id: "blocked",
      data: { callId, conversationId: r.conv, media: "audio" },
    });
    const e = await err(r.a, "blocked");
    assert.equal(e.data.code, ErrorCode.REFUSED, "the answer a direct message gets");
    await r.sys.env.db.deleteFrom("user_blocks").where("user_id", "=", r.ids.b).execute();
    await r.sys.env.db.updateTable("users").set({ dm_policy: "friends" })
      .where("id", "=", r.ids.b).execute();
    r.a.send({
      type: "call.invite",
      id: "policy",
      data: { callId: newCallId(), conversationId: r.conv, media: "audio" },
    });
    assert.equal((await err(r.a, "policy")).data.code, ErrorCode.REFUSED, "the same answer");
    r.c.send({
      type: "call.invite",
      id: "other",
      data: { callId: newCallId(), conversationId: r.conv, media: "audio" },
    });
    assert.equal(
      (await err(r.c, "other")).data.code,
      ErrorCode.NOT_FOUND,
      "not a member: the same answer",
    );
    r.c.send({
      type: "call.invite",
      id: "grp",
      data: { callId: newCallId(), conversationId: "g:424242", media: "audio" },
    });
    assert.equal((await err(r.c, "grp")).data.code, ErrorCode.NOT_FOUND);
    await new Promise((res) => setTimeout(res, 300));
    assert.equal([r.b1, r.b2].some((s) => s.frames.some((f) => f.type === "call.incoming")), false);
  } finally {
    await done(r);
  }
});

Deno.test("calls: a device dropping mid-call — back within the grace keeps the call, gone ends it (stored)", async () => {
  const r = await rig({ callDropGraceSec: 1 });
  try {
    const callId = await invite(r);
    await r.b1.request({ type: "call.accept", id: "acc", data: { callId } }, "call.accepted");
    await r.a.next("call.accepted", forCall(callId));
    // Bob's phone loses its connection and comes back at once: the call follows it.
    await r.b1.close();
    const bob = await r.sys.login(await userName(r, r.ids.b), "phone");
    r.b1 = await TestSocket.open(bob.wsUrl, bob.accessToken);
    await new Promise((res) => setTimeout(res, 1600));
    r.a.send({ type: "call.signal", data: { callId, sdp: { type: "offer", sdp: "v=0 restart" } } });
    assert.equal((await r.b1.next("call.signal", forCall(callId))).data.sdp.sdp, "v=0 restart");
    assert.equal(r.a.frames.some((f) => f.type === "call.ended"), false);
    // Now it goes for good: the caller hears "dropped" after the grace.
    const t0 = Date.now();
    await r.b1.close();
    const ended = await r.a.next("call.ended", forCall(callId), 5000);
    assert.equal(ended.data.reason, "dropped");
    assert.ok(Date.now() - t0 >= 800, "not before CALL_DROP_GRACE_SEC");
    const rec = await recordIn(r.a, r.conv, callId);
    assert.deepEqual([rec.call.outcome, rec.call.reason], ["finished", "dropped"]);
    assert.ok(rec.call.durationMs > 1000);
  } finally {
    await done(r);
  }
});

async function userName(r: Rig, userId: string): Promise<string> {
  const row = await r.sys.env.db.selectFrom("users").select("username").where("id", "=", userId)
    .executeTakeFirstOrThrow();
  return row.username;
}
