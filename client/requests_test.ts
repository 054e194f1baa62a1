import assert from "node:assert/strict";
import { ConnectionError, ServerError, TimeoutError } from "./errors.ts";
import { RequestTracker } from "./requests.ts";
import { FakeClock } from "./testing/fake_clock.ts";

Deno.test("a reply with the request id resolves it; other ids are not ours", async () => {
  const t = new RequestTracker(new FakeClock());
  const id = t.nextId();
  const p = t.track(id, "ping", "pong", 1000);
  assert.equal(t.settle({ type: "pong", id: "other", data: { serverTime: 1 } }), false);
  assert.equal(t.settle({ type: "pong", id, data: { serverTime: 1 } }), true);
  assert.deepEqual((await p).data, { serverTime: 1 });
  assert.equal(t.size, 0);
});

Deno.test("an error frame rejects with the server's code", async () => {
  const t = new RequestTracker(new FakeClock());
  const p = t.track("r1", "msg.send", "msg.sent", 1000);
  t.settle({ type: "error", id: "r1", data: { code: 3003, message: "too long" } });
  await assert.rejects(p, (e) => e instanceof ServerError && e.code === 3003);
});

Deno.test("no reply in time rejects with TimeoutError; failAll rejects the rest", async () => {
  const clock = new FakeClock();
  const t = new RequestTracker(clock);
  const slow = t.track("r1", "history", "history.page", 500);
  const other = t.track("r2", "sync", "sync.page", 5000);
  const slowDone = assert.rejects(slow, TimeoutError);
  await clock.tick(500);
  await slowDone;
  t.failAll();
  await assert.rejects(other, ConnectionError);
  assert.equal(clock.pending, 0);
});
