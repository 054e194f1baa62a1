/**
 * The call state machine against real Redis: every transition, every refused one, and races
 * (two devices answering at once, a hang-up racing the timeout) resolving to one outcome.
 */
import assert from "node:assert/strict";
import { testEnv } from "@im/shared/testing";
import { CallStore } from "./store.ts";

const env = await testEnv();
const store = new CallStore(env.redis, env.keys);
let n = 0;
const A = { user: "1", dev: "a1" }, B = { user: "2", dev: "b1" }, B2 = { user: "2", dev: "b2" };
const C = { user: "3", dev: "c1" };

async function ringing(): Promise<string> {
  const id = `call-${++n}-${crypto.randomUUID().slice(0, 8)}`;
  const ok = await store.create({
    id,
    conv: "d:1:2",
    media: "video",
    caller: A.user,
    callerDev: A.dev,
    callerConn: "g1|ca",
    callee: B.user,
    now: 1000,
    ttlMs: 60_000,
  });
  assert.equal(ok, true);
  return id;
}
async function active(): Promise<string> {
  const id = await ringing();
  assert.equal((await store.accept(id, B.user, B.dev, "g2|cb", 2000, 60_000)).ok, true);
  return id;
}
const refusal = (r: { ok: boolean; refusal?: string }) => (r.ok ? "ok" : r.refusal);

Deno.test("calls: a call id is taken once", async () => {
  const id = await ringing();
  const again = await store.create({
    id,
    conv: "d:1:3",
    media: "audio",
    caller: C.user,
    callerDev: C.dev,
    callerConn: "g|x",
    callee: A.user,
    now: 1,
    ttlMs: 1000,
  });
  assert.equal(again, false);
  assert.equal((await store.get(id))?.caller, A.user);
});

Deno.test("calls: accept — the callee answers once; everyone else is refused", async () => {
  const id = await ringing();
  assert.equal(refusal(await store.accept(id, A.user, A.dev, "g1|ca", 1500, 1000)), "state");
  assert.equal(refusal(await store.accept(id, C.user, C.dev, "g|c", 1500, 1000)), "nf");
  assert.equal(refusal(await store.accept("no-such-call", B.user, B.dev, "g|b", 1, 1)), "nf");
  const r = await store.accept(id, B.user, B.dev, "g2|cb", 2000, 60_000);
  assert.ok(r.ok);
  assert.equal(r.call.state, "active");
  assert.equal(r.call.calleeConn, "g2|cb");
  assert.equal(r.call.answeredAt, 2000);
  const same = await store.accept(id, B.user, B.dev, "g2|cb", 2100, 60_000);
  assert.ok(same.ok && same.again, "the answering device may repeat itself");
  assert.equal(refusal(await store.accept(id, B2.user, B2.dev, "g3|cb2", 2100, 1)), "elsewhere");
});

Deno.test("calls: two devices answering at the same time: exactly one wins", async () => {
  for (let i = 0; i < 10; i++) {
    const id = await ringing();
    const rs = await Promise.all([
      store.accept(id, B.user, B.dev, "g2|cb", 2000, 60_000),
      store.accept(id, B2.user, B2.dev, "g3|cb2", 2000, 60_000),
    ]);
    assert.deepEqual(rs.map(refusal).sort(), ["elsewhere", "ok"]);
    const winner = rs.findIndex((r) => r.ok) === 0 ? B.dev : B2.dev;
    assert.equal((await store.get(id))?.calleeDev, winner);
  }
});

Deno.test("calls: reject — only the callee, only while ringing", async () => {
  const id = await ringing();
  assert.equal(refusal(await store.end(id, "rejected", A, 1500, 1000)), "state");
  assert.equal(refusal(await store.end(id, "rejected", C, 1500, 1000)), "nf");
  const r = await store.end(id, "rejected", B2, 1500, 60_000); // any of the callee's devices
  assert.ok(r.ok);
  assert.deepEqual([r.call.state, r.call.outcome, r.call.durationMs], ["ended", "rejected", 0]);
  assert.equal(refusal(await store.end(id, "rejected", B, 1600, 1000)), "ended");
  assert.equal(refusal(await store.accept(id, B.user, B.dev, "g|b", 1700, 1000)), "ended");
  const on = await active();
  assert.equal(refusal(await store.end(on, "rejected", B, 3000, 1000)), "state");
});

Deno.test("calls: cancel — only the caller's device, only while ringing: missed", async () => {
  const id = await ringing();
  assert.equal(refusal(await store.end(id, "cancelled", B, 1500, 1000)), "state");
  assert.equal(
    refusal(await store.end(id, "cancelled", { user: A.user, dev: "a2" }, 1500, 1)),
    "state",
  );
  const r = await store.end(id, "cancelled", A, 1500, 60_000);
  assert.ok(r.ok);
  assert.deepEqual([r.call.outcome, r.call.reason, r.call.endedBy], [
    "missed",
    "cancelled",
    A.user,
  ]);
  const on = await active();
  assert.equal(refusal(await store.end(on, "cancelled", A, 3000, 1000)), "state");
});

Deno.test("calls: hangup — only the two devices in an answered call: finished with duration", async () => {
  const ring = await ringing();
  assert.equal(refusal(await store.end(ring, "hangup", A, 1500, 1000)), "state");
  const id = await active();
  assert.equal(refusal(await store.end(id, "hangup", B2, 3000, 1000)), "state");
  assert.equal(
    refusal(await store.end(id, "hangup", { user: A.user, dev: "a2" }, 3000, 1)),
    "state",
  );
  assert.equal(refusal(await store.end(id, "hangup", C, 3000, 1000)), "nf");
  const r = await store.end(id, "hangup", B, 9500, 60_000);
  assert.ok(r.ok);
  assert.deepEqual([r.call.outcome, r.call.durationMs], ["finished", 7500]);
  assert.equal(refusal(await store.end(id, "hangup", A, 9600, 1000)), "ended");
});

Deno.test("calls: server ends — timeout, busy, dropped, limit — only where they apply", async () => {
  const ring = await ringing();
  const t = await store.end(ring, "timeout", { user: "", dev: "" }, 31_000, 1000);
  assert.ok(t.ok);
  assert.deepEqual([t.call.outcome, t.call.reason], ["missed", "timeout"]);
  const on = await active();
  assert.equal(refusal(await store.end(on, "timeout", { user: "", dev: "" }, 31_000, 1)), "state");
  assert.equal(refusal(await store.end(on, "busy", { user: "", dev: "" }, 31_000, 1)), "state");
  // A device of the callee that is not in the call drops: nothing happens.
  assert.equal(refusal(await store.end(on, "dropped", B2, 4000, 1)), "state");
  const dropped = await store.end(on, "dropped", B, 4000, 1000);
  assert.ok(dropped.ok);
  assert.deepEqual([dropped.call.outcome, dropped.call.durationMs], ["finished", 2000]);
  const busy = await store.end(await ringing(), "busy", A, 1000, 1000);
  assert.ok(busy.ok && busy.call.outcome === "busy");
  const callerGone = await store.end(await ringing(), "dropped", A, 5000, 1000);
  assert.ok(callerGone.ok && callerGone.call.outcome === "missed");
  const limit = await store.end(await active(), "limit", { user: "", dev: "" }, 5000, 1000);
  assert.ok(limit.ok && limit.call.outcome === "finished");
});

Deno.test("calls: a hang-up racing the ring timeout and a rejection ends the call once", async () => {
  for (let i = 0; i < 10; i++) {
    const id = await ringing();
    const rs = await Promise.all([
      store.end(id, "cancelled", A, 5000, 1000),
      store.end(id, "timeout", { user: "", dev: "" }, 5000, 1000),
      store.end(id, "rejected", B, 5000, 1000),
    ]);
    assert.equal(rs.filter((r) => r.ok).length, 1);
    assert.deepEqual(rs.filter((r) => !r.ok).map(refusal), ["ended", "ended"]);
  }
});

Deno.test("calls: rebind moves a party's device to its new connection, nobody else's", async () => {
  const id = await active();
  assert.equal(await store.rebind(id, B.user, B.dev, "g9|new"), true);
  assert.equal(await store.rebind(id, B2.user, B2.dev, "g9|other"), false);
  assert.equal(await store.rebind(id, C.user, C.dev, "g9|c"), false);
  assert.equal((await store.get(id))?.calleeConn, "g9|new");
  await store.end(id, "hangup", A, 9000, 1000);
  assert.equal(await store.rebind(id, A.user, A.dev, "g9|late"), false);
});

Deno.test("calls: a user's line holds one call; release only frees its own", async () => {
  assert.equal(await store.claimLine("7", "x1", 10_000), "ok");
  assert.equal(await store.claimLine("7", "x1", 10_000), "ok", "the same call again");
  assert.equal(await store.claimLine("7", "x2", 10_000), "x1");
  await store.releaseLine("7", "x2");
  assert.equal((await store.lines(["7", "8"])).get("7"), "x1");
  await store.releaseLine("7", "x1");
  assert.equal((await store.lines(["7"])).size, 0);
  assert.equal(await store.claimLine("7", "x2", 10_000), "ok");
});

Deno.test({
  name: "calls: teardown",
  sanitizeResources: false,
  async fn() {
    await env.close();
  },
});
