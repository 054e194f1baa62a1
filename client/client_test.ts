import assert from "node:assert/strict";
import { ImClient } from "./client.ts";
import type { StateChange } from "./connection.ts";
import { ConnectionError, ErrorCode, ServerError, TimeoutError } from "./errors.ts";
import { AuthApi, type LoginResult } from "./http.ts";
import type { Outgoing } from "./outbox.ts";
import type { MessageView } from "@im/protocol";
import { FakeClock, settle } from "./testing/fake_clock.ts";
import { FakeServer } from "./testing/fake_server.ts";

interface Rig {
  server: FakeServer;
  clock: FakeClock;
  client(userId: string, extra?: Partial<ConstructorParameters<typeof ImClient>[0]>): ImClient;
}

function rig(): Rig {
  const server = new FakeServer();
  const clock = new FakeClock();
  return {
    server,
    clock,
    client: (userId, extra = {}) =>
      new ImClient({
        session: server.login(userId),
        sockets: server.factory,
        clock,
        random: () => 1,
        ...extra,
      }),
  };
}

function record<T>(client: ImClient, type: "message" | "recall" | "state"): T[] {
  const out: T[] = [];
  client.on(type, (x) => out.push(x as T));
  return out;
}

/** An AuthApi whose refresh answers from the fake server (or refuses). */
function fakeApi(server: FakeServer, userId: string, refuse = false): AuthApi {
  return new AuthApi("http://fake", () => {
    const body: LoginResult | { error: unknown } = refuse
      ? { error: { code: ErrorCode.REFRESH_INVALID, message: "invalid refresh token" } }
      : server.login(userId);
    return Promise.resolve(Response.json(body, { status: refuse ? 401 : 200 }));
  });
}

Deno.test("two clients exchange messages; marks go sent, delivered, read", async () => {
  const { client, clock } = rig();
  const a = client("1"), b = client("2");
  await Promise.all([a.connect(), b.connect()]);
  const got = record<MessageView>(b, "message");
  const sent = await a.send("2", "hi bob");
  assert.equal(sent.seq, 1);
  assert.deepEqual(got.map((m) => m.body), ["hi bob"]);
  assert.equal(a.timeline(sent.conversationId)[0].status, "sent");
  await clock.tick(100); // b's delivered ack
  assert.equal(a.timeline(sent.conversationId)[0].status, "delivered");
  assert.equal(b.conversations()[0].unread, 1);
  await b.markRead(sent.conversationId);
  assert.equal(b.conversations()[0].unread, 0);
  assert.equal(a.timeline(sent.conversationId)[0].status, "read");
  a.close(), b.close();
});

Deno.test("a receiver with no device online: stored offline, then sync brings all in order", async () => {
  const { client, server } = rig();
  const a = client("1");
  await a.connect();
  for (const body of ["one", "two", "three"]) await a.send("2", body);
  const conv = a.conversationWith("2");
  assert.deepEqual(a.timeline(conv).map((i) => i.status), ["offline", "offline", "offline"]);
  const b = client("2");
  const got = record<MessageView>(b, "message");
  await b.connect();
  assert.deepEqual(got.map((m) => m.seq), [1, 2, 3]);
  assert.equal(server.framesOf("sync").length, 2); // a's and b's
  a.close(), b.close();
});

Deno.test("sync pages until the server has no more", async () => {
  const { client, server } = rig();
  for (let i = 0; i < 7; i++) server.storeQuietly("2", "1", `m${i}`);
  const a = client("1", { syncLimit: 3 });
  const got = record<MessageView>(a, "message");
  await a.connect();
  assert.equal(got.length, 7);
  assert.deepEqual(server.framesOf("sync").map((f) => f.data.cursors?.[0]?.seq ?? 0), [0, 3, 6]);
  a.close();
});

Deno.test("a send while disconnected waits, then goes out once after reconnect", async () => {
  const { client, server, clock } = rig();
  const a = client("1");
  await a.connect();
  server.down = true;
  server.dropAll(1006);
  assert.equal(a.state, "reconnecting");
  const done = a.send("2", "queued");
  assert.equal(a.outbox.all()[0].state, "sending");
  await clock.tick(2000);
  assert.equal(server.framesOf("msg.send").length, 0);
  server.down = false;
  await clock.tick(5000);
  assert.equal((await done).seq, 1);
  assert.equal(server.framesOf("msg.send").length, 1);
  assert.equal(a.outbox.all().length, 0);
  a.close();
});

Deno.test("a send whose ack was lost is resent with the same clientMsgId and stored once", async () => {
  const { client, server, clock } = rig();
  const a = client("1");
  await a.connect();
  let swallow = true;
  server.swallowReply = (f) => f.type === "msg.send" && swallow;
  const done = a.send("2", "once");
  await settle();
  swallow = false;
  server.dropAll(4000); // gateway draining
  await clock.tick(1000);
  const m = await done;
  const sends = server.framesOf("msg.send");
  assert.equal(sends.length, 2);
  assert.equal(sends[0].data.clientMsgId, sends[1].data.clientMsgId);
  assert.equal(server.convs.get(m.conversationId)!.messages.length, 1);
  a.close();
});

Deno.test("reconnect delays back off exponentially, capped, and reset once online", async () => {
  const { client, server, clock } = rig();
  const a = client("1", { backoff: { baseMs: 100, maxMs: 800, factor: 2 } });
  await a.connect();
  const states = record<StateChange>(a, "state");
  server.down = true;
  server.dropAll(1006);
  await clock.tick(5000);
  const delays = states.filter((s) => s.state === "reconnecting").map((s) => s.retryInMs);
  assert.deepEqual(delays.slice(0, 6), [100, 200, 400, 800, 800, 800]);
  server.down = false;
  await clock.tick(1000);
  assert.equal(a.state, "online");
  assert.equal(states.at(-1)?.attempt, 0);
  a.close();
});

Deno.test("give-up close codes stop for good and unsent messages stay, marked failed", async () => {
  const { client, server, clock } = rig();
  const a = client("1");
  await a.connect();
  server.blackhole = true;
  const done = a.send("2", "will not make it");
  server.dropAll(4101, "replaced");
  await assert.rejects(done, ConnectionError);
  assert.equal(a.state, "stopped");
  const [o] = a.outbox.all();
  assert.equal(o.state, "failed");
  const sockets = server.sockets.length;
  await clock.tick(120_000);
  assert.equal(server.sockets.length, sockets);
  a.close();
});

Deno.test("4003 refreshes the token, then reconnects with the new one", async () => {
  const { client, server, clock } = rig();
  const a = client("1", { api: fakeApi(server, "1") });
  const sessions: string[] = [];
  a.on("session", (s) => sessions.push(s.accessToken));
  await a.connect();
  server.dropAll(4003, "token expired");
  await clock.tick(1000);
  assert.equal(a.state, "online");
  assert.equal(sessions.length, 1);
  assert.equal(server.sockets.at(-1)!.token, sessions[0]);
  a.close();
});

Deno.test("a revoked token: after failed attempts the client refreshes; a refused refresh stops", async () => {
  const { client, server, clock } = rig();
  const login = server.login("1");
  const a = client("1", { session: login, api: fakeApi(server, "1", true) });
  server.revoke(login.accessToken);
  const connected = assert.rejects(a.connect(), /session has ended/);
  await clock.tick(10_000);
  await connected;
  assert.equal(a.state, "stopped");
  assert.equal(server.sockets.length, 2);
});

Deno.test("a silent link is caught by the heartbeat and replaced", async () => {
  const { client, server, clock } = rig();
  const a = client("1", { heartbeatMs: 1000 });
  await a.connect();
  server.blackhole = true;
  await clock.tick(2100);
  assert.equal(server.sockets[0].closedBy, "client");
  server.blackhole = false;
  await clock.tick(2000);
  assert.equal(a.state, "online");
  assert.ok(server.sockets.length >= 2);
  a.close();
});

Deno.test("a gap is filled from history and events keep seq order; duplicates are dropped", async () => {
  const { client, server, clock } = rig();
  const a = client("1"), b = client("2");
  await Promise.all([a.connect(), b.connect()]);
  const got = record<MessageView>(a, "message");
  server.storeQuietly("2", "1", "missed");
  const second = await b.send("1", "second");
  assert.equal(got.length, 0);
  await clock.tick(500);
  assert.deepEqual(got.map((m) => m.body), ["missed", "second"]);
  server.sockets[0].deliver({ type: "msg.new", data: second });
  assert.equal(got.length, 2);
  a.close(), b.close();
});

Deno.test("recall reaches both sides and empties the message", async () => {
  const { client, clock } = rig();
  const a = client("1"), b = client("2");
  await Promise.all([a.connect(), b.connect()]);
  const recalls = record<MessageView>(b, "recall");
  const m = await a.send("2", "oops");
  const r = await a.recall(m.msgId);
  assert.equal(r.recallSeq, 2);
  await clock.tick(500);
  assert.equal(recalls.length, 1);
  const item = b.timeline(m.conversationId)[0];
  assert.ok(item.kind === "message" && item.message.recalled && item.message.body === "");
  assert.equal(b.store.get(m.conversationId)!.syncedSeq, 2);
  await assert.rejects(a.recall(m.msgId), (e) => e instanceof ServerError && e.code === 3006);
  a.close(), b.close();
});

Deno.test("server errors and timeouts reject with typed errors; failed sends can be retried", async () => {
  const { client, server, clock } = rig();
  const a = client("1");
  await a.connect();
  await assert.rejects(a.send("1", "me"), (e) => e instanceof ServerError && e.code === 3002);
  const [o] = a.outbox.all();
  assert.equal(o.state, "failed");
  assert.equal(o.error, "You cannot send a message to yourself.");
  await assert.rejects(a.send("2", "x".repeat(70_000)), (e) => e instanceof ServerError);
  assert.equal(a.outbox.all()[1].error, "That message is empty or too long to send.");
  assert.equal(a.state, "online");
  a.discard(a.outbox.all()[1].clientMsgId);
  server.blackhole = true;
  const slow = assert.rejects(a.loadOlder("d:1:2"), TimeoutError);
  await clock.tick(10_000);
  await slow;
  server.blackhole = false;
  a.discard(o.clientMsgId);
  server.swallowReply = (f) => f.type === "msg.send";
  const lost = assert.rejects(a.send("2", "again"), TimeoutError);
  await clock.tick(15_000);
  await lost;
  server.swallowReply = () => false;
  const [failed] = a.outbox.all();
  assert.equal((await a.retry(failed.clientMsgId)).body, "again");
  a.close();
});

Deno.test("unsent messages survive a reload through outbox storage, marked failed", async () => {
  const { client } = rig();
  let saved: Outgoing[] = [];
  const storage = { load: () => saved, save: (items: Outgoing[]) => (saved = items) };
  const a = client("1", { outboxStorage: storage });
  void a.send("2", "typed before the crash").catch(() => {});
  a.close();
  const again = client("1", { outboxStorage: storage });
  assert.equal(again.outbox.all()[0].body, "typed before the crash");
  assert.equal(again.outbox.all()[0].state, "failed");
  await again.connect();
  await again.retry(again.outbox.all()[0].clientMsgId);
  assert.equal(saved.length, 0);
  again.close();
});

Deno.test("a gateway it cannot reach is named in the refresh, so the answer can be another", async () => {
  const { client, server, clock } = rig();
  const bodies: Array<Record<string, unknown>> = [];
  const api = new AuthApi("http://fake", (_url, init) => {
    bodies.push(JSON.parse(String(init?.body ?? "{}")));
    return Promise.resolve(Response.json(server.login("1"), { status: 200 }));
  });
  const a = client("1", { api });
  await a.connect();
  server.down = true; // the gateway is gone: connects fail
  server.dropAll(1006);
  await clock.tick(30_000);
  server.down = false;
  await clock.tick(30_000);
  assert.equal(a.state, "online");
  assert.ok(bodies.length >= 1, "refreshed after failing to reconnect");
  assert.equal(bodies[0].avoidGateway, "g-fake", "named the gateway it could not reach");
  a.close();
});

Deno.test("a repeated reply (after a server failover) is a no-op: one ack, one message", async () => {
  const { client, server } = rig();
  const a = client("1");
  await a.connect();
  const acks: unknown[] = [];
  a.on("ack", (x) => acks.push(x));
  const sent = await a.send("2", "once");
  // A worker that took over re-publishes the same msg.sent for the same request id.
  const socket = server.sockets.at(-1)!;
  const reply = socket.sent.find((f) => f.type === "msg.send")!;
  socket.deliver({
    type: "msg.sent",
    id: reply.id,
    data: {
      clientMsgId: sent.clientMsgId,
      msgId: sent.msgId,
      seq: sent.seq,
      conversationId: sent.conversationId,
      serverTime: sent.serverTime,
    },
  });
  await Promise.resolve();
  assert.equal(acks.length, 1);
  assert.equal(a.store.get(sent.conversationId)!.messages.length, 1);
  a.close();
});

Deno.test("search: pages through the user's own messages; history loads back to a hit", async () => {
  const { client, server } = rig();
  const a = client("1"), b = client("2"), c = client("3");
  await Promise.all([a.connect(), b.connect(), c.connect()]);
  for (let i = 1; i <= 45; i++) {
    await a.send("2", i % 10 === 0 ? `Café number ${i}` : `filler ${i}`);
  }
  await c.send("2", "café for carol only");
  const first = await a.search({ query: "CAFE", limit: 3 });
  assert.deepEqual(first.hits.map((h) => h.snippet), [
    "Café number 40",
    "Café number 30",
    "Café number 20",
  ]);
  assert.deepEqual(first.hits[0].marks, [[0, 4]]);
  const rest = await a.search({ query: "CAFE", limit: 3, cursor: first.cursor });
  assert.deepEqual(rest.hits.map((h) => h.snippet), ["Café number 10"]);
  assert.equal(rest.cursor, undefined);
  await assert.rejects(a.search({}), (e) => e instanceof ServerError && e.code === 3500);
  const notMine = a.search({ query: "café", conversationId: c.conversationWith("2") });
  await assert.rejects(notMine, (e) => e instanceof ServerError && e.code === ErrorCode.NOT_FOUND);
  assert.equal(server.framesOf("search").length, 4);

  // A device that starts at the newest message pages history back to the hit to show it.
  const hit = first.hits[2];
  const conv = hit.conversationId;
  const fresh = client("1", { cursors: [{ conversationId: conv, seq: 45 }] });
  await fresh.connect();
  assert.equal(fresh.store.oldestSeq(conv), null);
  assert.ok(await fresh.loadUntil(conv, hit.seq));
  assert.ok(fresh.store.oldestSeq(conv)! <= hit.seq);
  assert.equal(fresh.store.message(hit.msgId)?.body, "Café number 20");
});
