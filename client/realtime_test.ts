/**
 * The SDK's presence, typing and calls against the server's in-memory twin, under a fake clock:
 * subscriptions renewed and restored after a reconnect, stale presence dropped by `ver`, the
 * typing helper's automatic repeat and stop, incoming typing expiring by itself, and the call
 * object through ringing, answered elsewhere, signals, hang-up and timeout.
 */
import assert from "node:assert/strict";
import type { PresenceView } from "@im/protocol";
import type { Call } from "./calls.ts";
import { ImClient } from "./client.ts";
import { ErrorCode, ServerError } from "./errors.ts";
import { FakeClock } from "./testing/fake_clock.ts";
import { FakeServer } from "./testing/fake_server.ts";

function rig() {
  const server = new FakeServer();
  const clock = new FakeClock();
  const client = (userId: string, deviceId?: string) =>
    new ImClient({
      session: server.login(userId, deviceId),
      sockets: server.factory,
      clock,
      random: () => 1,
      presenceRenewMs: 50_000,
    });
  return { server, clock, client };
}

Deno.test("sdk presence: watch subscribes once, changes arrive, stale ones are dropped, renewed and restored", async () => {
  const { server, clock, client } = rig();
  const b = client("2");
  await b.connect();
  const seen: PresenceView[][] = [];
  b.on("presence", (v) => seen.push(v));
  const off1 = b.watchPresence(["1"]);
  const off2 = b.watchPresence(["1", "3"]);
  await clock.tick(1);
  assert.deepEqual(server.framesOf("presence.sub").map((f) => f.data.userIds), [["1", "3"]]);
  assert.equal(b.presenceOf("1")?.online, false);
  server.realtime.setPresence("1", true);
  await clock.tick(1);
  assert.equal(b.presenceOf("1")?.online, true);
  const ver = b.presenceOf("1")!.ver!;
  // A late answer with an older version does not undo the newer state.
  server.sockets.at(-1)!.deliver({
    type: "presence",
    data: { users: [{ userId: "1", online: false, lastSeen: 5, ver: ver - 1 }] },
  });
  assert.equal(b.presenceOf("1")?.online, true);
  server.realtime.setPresence("1", false, 1234);
  await clock.tick(1);
  assert.deepEqual(b.presenceOf("1"), { userId: "1", online: false, lastSeen: 1234, ver: ver + 1 });
  assert.ok(seen.length >= 3);
  // Renewed while watched; restored on a new connection.
  await clock.tick(50_000);
  assert.equal(server.framesOf("presence.sub").length, 2);
  server.dropAll(1006);
  await clock.tick(2000);
  assert.equal(b.state, "online");
  assert.deepEqual(server.framesOf("presence.sub").at(-1)!.data.userIds.sort(), ["1", "3"]);
  off1();
  assert.equal(server.framesOf("presence.unsub").length, 0, "still watched by the other view");
  off2();
  assert.deepEqual(server.framesOf("presence.unsub").map((f) => f.data.userIds), [["1", "3"]]);
  const mine = await b.setPresenceHidden(true);
  assert.deepEqual(mine, { userId: "2", online: false });
  b.close();
});

Deno.test("sdk typing: input repeats the start every 3 s, stops by itself and on send; incoming expires", async () => {
  const { server, clock, client } = rig();
  const a = client("1"), b = client("2");
  await Promise.all([a.connect(), b.connect()]);
  const conv = a.conversationWith("2");
  const sent = () => server.framesOf("typing").map((f) => f.data.active);
  a.typingInput(conv);
  await clock.tick(1);
  assert.deepEqual(b.typingIn(conv), ["1"]);
  await clock.tick(1000);
  a.typingInput(conv);
  await clock.tick(2000);
  a.typingInput(conv);
  assert.deepEqual(sent(), [true, true], "one start, then one more after 3 s");
  await clock.tick(4000);
  assert.deepEqual(sent(), [true, true, false], "quiet keys stop it");
  assert.deepEqual(b.typingIn(conv), []);
  a.typingInput(conv);
  await a.send("2", "done typing");
  assert.deepEqual(sent(), [true, true, false, true, false], "sending stops it");
  // Typing again at once: the start waits out the server's limit instead of being refused.
  a.typingInput(conv);
  a.typingInput(conv); // more keys while the start is held back
  assert.deepEqual(sent(), [true, true, false, true, false]);
  await clock.tick(1100);
  assert.deepEqual(sent(), [true, true, false, true, false, true]);
  a.typingDone(conv);
  // A start whose stop never comes expires on the receiver (the server says when).
  await clock.tick(2000);
  a.typing(conv, true);
  await clock.tick(1);
  assert.deepEqual(b.typingIn(conv), ["1"]);
  await clock.tick(6000);
  assert.deepEqual(b.typingIn(conv), []);
  a.close(), b.close();
});

Deno.test("sdk calls: ring both devices, answer on one (the other is told), relay signals, hang up", async () => {
  const { clock, client } = rig();
  const a = client("1"), phone = client("2", "phone"), laptop = client("2", "laptop");
  await Promise.all([a.connect(), phone.connect(), laptop.connect()]);
  const rung: Call[] = [];
  for (const c of [phone, laptop]) c.on("call", (call) => rung.push(call));
  const call = await a.call("2", "video");
  assert.deepEqual([call.phase, call.direction, call.peer, call.media], [
    "ringing",
    "outgoing",
    "2",
    "video",
  ]);
  assert.equal(rung.length, 2);
  assert.deepEqual(rung.map((c) => [c.direction, c.peer, c.callId]), [
    ["incoming", "1", call.callId],
    ["incoming", "1", call.callId],
  ]);
  const [onPhone, onLaptop] = rung;
  const laptopEnded = new Promise((r) => onLaptop.once("ended", r));
  await onPhone.accept();
  await clock.tick(1);
  assert.equal(call.phase, "active");
  assert.equal(((await laptopEnded) as { reason: string }).reason, "answered_elsewhere");
  assert.equal(onLaptop.phase, "ended");
  await assert.rejects(
    onLaptop.accept(),
    (e) => e instanceof ServerError && e.code === ErrorCode.CALL_ANSWERED_ELSEWHERE,
  );

  call.sendSdp({ type: "offer", sdp: "v=0 offer" });
  await clock.tick(1);
  assert.deepEqual(
    onPhone.takeEarlySignals().map((s) => s.sdp?.type),
    ["offer"],
    "kept until someone listens",
  );
  const got: string[] = [];
  call.on("signal", (s) => got.push(s.candidate?.candidate ?? ""));
  onPhone.sendCandidate({ candidate: "candidate:1", sdpMid: "0", sdpMLineIndex: null });
  await clock.tick(1);
  assert.deepEqual(got, ["candidate:1"]);
  const phoneEnded = new Promise((r) => onPhone.once("ended", r));
  await call.end();
  assert.deepEqual([call.phase, call.endReason], ["ended", "hangup"]);
  assert.equal(((await phoneEnded) as { reason: string }).reason, "hangup");
  assert.equal(a.activeCalls().length, 0);
  a.close(), phone.close(), laptop.close();
});

Deno.test("sdk calls: end() rejects an incoming call, cancels an outgoing one; a timeout ends both", async () => {
  const { server, clock, client } = rig();
  const a = client("1"), b = client("2");
  await Promise.all([a.connect(), b.connect()]);
  let incoming: Call | null = null;
  b.on("call", (c) => (incoming = c));
  const first = await a.call("2", "audio");
  await incoming!.end();
  await clock.tick(1);
  assert.deepEqual([first.phase, first.endReason], ["ended", "rejected"]);
  const second = await a.call("2");
  await second.end();
  await clock.tick(1);
  assert.deepEqual([incoming!.phase, incoming!.endReason], ["ended", "cancelled"]);
  const third = await a.call("2");
  server.realtime.timeout(third.callId);
  await clock.tick(1);
  assert.deepEqual([third.phase, third.endReason, incoming!.endReason], [
    "ended",
    "timeout",
    "timeout",
  ]);
  a.close(), b.close();
});
