/**
 * Presence through a real gateway and worker (in-process) on real Redis and MariaDB: watching a
 * user who shares a conversation, changes pushed as devices come and go (online while any
 * device is), hiding, and strangers who learn nothing.
 */
import assert from "node:assert/strict";
import { type Frame, type Session, startSystem, type System, TestSocket } from "../test_support.ts";

const open = (s: Session) => TestSocket.open(s.wsUrl, s.accessToken);

async function people(sys: System) {
  const tag = crypto.randomUUID().slice(0, 6);
  const alice = await sys.register(`alice_${tag}`, "phone");
  const bob = await sys.register(`bob_${tag}`);
  const carol = await sys.register(`carol_${tag}`);
  const aliceLaptop = await sys.login(`alice_${tag}`, "laptop");
  return { alice, bob, carol, aliceLaptop };
}

/** Alice and Bob share a conversation once she writes to him. */
async function chat(from: TestSocket, to: string) {
  await from.request({
    type: "msg.send",
    id: `s-${to}`,
    data: { to, clientMsgId: `c-${to}`, kind: "text", body: "hi" },
  }, "msg.sent");
}

const about = (userId: string) => (f: Frame) =>
  f.data.users.some((u: { userId: string }) => u.userId === userId);
const viewOf = (f: Frame, userId: string) =>
  f.data.users.find((u: { userId: string }) => u.userId === userId);

Deno.test("presence: a watcher sees online, then offline with last seen once the last device goes", async () => {
  const sys = await startSystem({ blockMs: 100 });
  try {
    const { alice, bob, aliceLaptop } = await people(sys);
    const phone = await open(alice);
    await chat(phone, bob.userId);
    const b = await open(bob);
    const snap = await b.request({
      type: "presence.sub",
      id: "w",
      data: { userIds: [alice.userId] },
    }, "presence");
    assert.equal(viewOf(snap, alice.userId).online, true);
    const laptop = await open(aliceLaptop);
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(
      b.frames.filter((f) => f.type === "presence").length,
      0,
      "a second device changes nothing",
    );
    await phone.close();
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(
      b.frames.filter((f) => f.type === "presence").length,
      0,
      "still online on the laptop",
    );
    const before = Date.now();
    await laptop.close();
    const off = viewOf(await b.next("presence", about(alice.userId), 3000), alice.userId);
    assert.equal(off.online, false);
    assert.ok(
      off.lastSeen >= before - 50 && off.lastSeen <= Date.now(),
      `lastSeen ${off.lastSeen}`,
    );
    assert.ok(off.ver > viewOf(snap, alice.userId).ver);
    const back = await open(alice);
    const on = viewOf(await b.next("presence", about(alice.userId), 3000), alice.userId);
    assert.deepEqual([on.online, on.lastSeen], [true, undefined]);
    // After unsubscribing, nothing more comes.
    b.send({ type: "presence.unsub", data: { userIds: [alice.userId] } });
    await new Promise((r) => setTimeout(r, 300));
    await back.close();
    await new Promise((r) => setTimeout(r, 800));
    assert.equal(b.frames.filter((f) => f.type === "presence").length, 0);
    await b.close();
  } finally {
    await sys.close();
  }
});

Deno.test("presence: a stranger learns nothing (offline, never seen) and gets no pushes", async () => {
  const sys = await startSystem({ blockMs: 100 });
  try {
    const { alice, carol } = await people(sys);
    const a = await open(alice);
    const c = await open(carol);
    const snap = await c.request({
      type: "presence.sub",
      id: "w",
      data: { userIds: [alice.userId, "99999999"] },
    }, "presence");
    assert.deepEqual(snap.data.users, [
      { userId: alice.userId, online: false },
      { userId: "99999999", online: false },
    ]);
    await a.close();
    await open(alice);
    await new Promise((r) => setTimeout(r, 800));
    assert.equal(c.frames.filter((f) => f.type === "presence").length, 0);
    await c.close();
  } finally {
    await sys.close();
  }
});

Deno.test("presence: a friend sees it without a shared conversation; a stranger still does not", async () => {
  const sys = await startSystem({ blockMs: 100 });
  try {
    const { alice, bob, carol } = await people(sys);
    const a = await open(alice);
    const b = await open(bob);
    await a.request(
      { type: "friend.request", id: "fr", data: { userId: bob.userId } },
      "friend.changed",
    );
    await b.request(
      { type: "friend.accept", id: "fa", data: { userId: alice.userId } },
      "friend.changed",
    );
    const snap = await b.request({
      type: "presence.sub",
      id: "w",
      data: { userIds: [alice.userId] },
    }, "presence");
    assert.equal(viewOf(snap, alice.userId).online, true, "friends are contacts");
    const c = await open(carol);
    const other = await c.request({
      type: "presence.sub",
      id: "w2",
      data: { userIds: [alice.userId] },
    }, "presence");
    assert.equal(viewOf(other, alice.userId).online, false);
    await Promise.all([a.close(), b.close(), c.close()]);
  } finally {
    await sys.close();
  }
});

Deno.test("presence: hiding looks offline with no last seen, silences changes, and lasts; showing again tells watchers", async () => {
  const sys = await startSystem({ blockMs: 100 });
  try {
    const { alice, bob } = await people(sys);
    let a = await open(alice);
    await chat(a, bob.userId);
    const b = await open(bob);
    await b.request(
      { type: "presence.sub", id: "w", data: { userIds: [alice.userId] } },
      "presence",
    );
    const mine = await a.request(
      { type: "presence.set", id: "h", data: { hidden: true } },
      "presence",
    );
    assert.deepEqual([mine.data.users[0].online, mine.data.users[0].lastSeen], [false, undefined]);
    // The push that says so (a connect the sweep reached late may come first: it is older).
    const hidden = viewOf(
      await b.next(
        "presence",
        (f) => about(alice.userId)(f) && viewOf(f, alice.userId).ver === mine.data.users[0].ver,
      ),
      alice.userId,
    );
    assert.deepEqual([hidden.online, hidden.lastSeen], [false, undefined]);
    b.frames.splice(0);
    await a.close();
    a = await open(alice);
    await new Promise((r) => setTimeout(r, 800));
    assert.equal(
      b.frames.filter((f) => f.type === "presence").length,
      0,
      "a hidden user's changes go nowhere",
    );
    const fresh = await b.request({
      type: "presence.sub",
      id: "w2",
      data: { userIds: [alice.userId] },
    }, "presence");
    assert.equal(viewOf(fresh, alice.userId).online, false, "hidden across sessions");
    await a.request({ type: "presence.set", id: "s", data: { hidden: false } }, "presence");
    assert.equal(viewOf(await b.next("presence", about(alice.userId)), alice.userId).online, true);
    for (const s of [a, b]) await s.close();
  } finally {
    await sys.close();
  }
});

Deno.test("presence: a block hides each from the other, even for a watcher already subscribed", async () => {
  const sys = await startSystem({ blockMs: 100 });
  try {
    const { alice, bob } = await people(sys);
    const a = await open(alice);
    await chat(a, bob.userId);
    const b = await open(bob);
    await b.request(
      { type: "presence.sub", id: "w", data: { userIds: [alice.userId] } },
      "presence",
    );
    await sys.env.db.insertInto("user_blocks").values({
      user_id: alice.userId,
      blocked_id: bob.userId,
      created_at: 1,
    }).execute();
    // Alice's own connect may reach the presence sweep only after bob subscribed, and its push,
    // made before the block, is allowed: let any such push land, then count from there.
    await new Promise((r) => setTimeout(r, 300));
    const presence = () => b.frames.filter((f) => f.type === "presence");
    const before = presence().length;
    await a.close();
    await new Promise((r) => setTimeout(r, 800));
    assert.equal(presence().length - before, 0, JSON.stringify(presence()));
    const snap = await b.request({
      type: "presence.sub",
      id: "w2",
      data: { userIds: [alice.userId] },
    }, "presence");
    assert.deepEqual(snap.data.users, [{ userId: alice.userId, online: false }]);
    await b.close();
  } finally {
    await sys.close();
  }
});
