/** The SDK's groups and live rooms against the server's in-memory twin. */
import assert from "node:assert/strict";
import type { GroupInfo, MessageView, RoomMessage } from "@im/protocol";
import { ImClient } from "./client.ts";
import { ServerError } from "./errors.ts";
import { FakeClock, settle } from "./testing/fake_clock.ts";
import { FakeServer } from "./testing/fake_server.ts";

function rig() {
  const server = new FakeServer();
  const clock = new FakeClock();
  const client = (userId: string) =>
    new ImClient({
      session: server.login(userId),
      sockets: server.factory,
      clock,
      random: () => 1,
    });
  return { server, clock, client };
}

Deno.test("groups: create with members, notices arrive as messages, kicked members stop receiving", async () => {
  const { client } = rig();
  const a = client("1"), b = client("2"), c = client("3");
  await Promise.all([a.connect(), b.connect(), c.connect()]);
  const seen: GroupInfo[] = [];
  a.on("group", (g) => seen.push(g));
  const cMessages: MessageView[] = [];
  c.on("message", (m) => cMessages.push(m));
  const g = await a.groups.create({ name: "crew", members: ["2", "3"] });
  assert.equal(g.role, "owner");
  assert.equal(seen[0]?.conversationId, g.conversationId);
  await settle();
  const created = c.timeline(g.conversationId)[0];
  assert.equal(created.kind === "message" && created.message.notice?.event, "created");
  assert.equal(c.conversations()[0].unread, 0, "notices are not unread messages");

  await a.send(g.conversationId, "hello crew");
  await settle();
  assert.ok(cMessages.some((m) => m.body === "hello crew"));
  const kicked = await a.groups.kick(g.conversationId, ["3"]);
  assert.equal(typeof kicked.noticeSeq, "number");
  await a.send(g.conversationId, "without carol");
  await settle();
  assert.ok(cMessages.some((m) => m.notice?.event === "kicked"), "she hears of her removal");
  assert.ok(!cMessages.some((m) => m.body === "without carol"));
  const members = await a.groups.allMembers(g.conversationId);
  assert.deepEqual(members.map((m) => m.userId).sort(), ["1", "2"]);
  await assert.rejects(c.groups.kick(g.conversationId, ["2"]), (e) => e instanceof ServerError);
});

Deno.test("groups: a mention marks the conversation until read; read by N follows the receipts", async () => {
  const { client, clock } = rig();
  const a = client("1"), b = client("2"), c = client("3");
  await Promise.all([a.connect(), b.connect(), c.connect()]);
  const g = (await a.groups.create({ name: "crew", members: ["2", "3"] })).conversationId;
  await settle();
  await Promise.all([b.inbox.load(), c.inbox.load()]);
  const sent = await a.send(g, "@bob look", { mentions: ["2"] });
  await settle();
  assert.equal(b.conversations().find((x) => x.conversationId === g)?.mentioned, true);
  assert.equal(c.conversations().find((x) => x.conversationId === g)?.mentioned, false);
  assert.equal(b.inbox.get(g)?.mentioned, true, "the server's list marks it as it comes");
  assert.equal(c.inbox.get(g)?.mentioned, false);
  assert.equal(c.inbox.get(g)?.unread, 1);
  await b.markRead(g);
  assert.equal(b.conversations().find((x) => x.conversationId === g)?.mentioned, false);
  assert.equal(b.inbox.get(g)?.mentioned, false);
  await clock.tick(400); // the receipt reached a: its counts refresh shortly after
  assert.equal(a.groups.readBy(g, sent.seq), 1);
  const who = await a.groups.readers(g, sent.seq);
  assert.deepEqual([who.readers, who.unread], [["2"], ["3"]]);
});

Deno.test("groups: sync hands over to the inbox cursor, and groups are listed after connect", async () => {
  const { server, client, clock } = rig();
  const a = client("1");
  await a.connect();
  await a.groups.create({ name: "one", members: [] });
  const b = client("1");
  await b.connect();
  await settle();
  assert.deepEqual(b.groups.all().map((g) => g.name), ["one"]);
  const syncs = server.framesOf("sync");
  assert.equal(syncs[0].data.inbox, undefined, "a first sync goes by conversation cursors");
  assert.equal(b.inboxCursor, "", "and its last page hands over the inbox cursor");
  await b.groups.create({ name: "two", members: [] });
  server.dropAll(1006);
  await clock.tick(60_000);
  const again = server.framesOf("sync").at(-1)!;
  assert.equal(again.data.inbox, "", "the next sync goes by inbox");
});

Deno.test("rooms: join, messages only while present, rejoined after a reconnect", async () => {
  const { server, client, clock } = rig();
  const a = client("1"), b = client("2");
  await Promise.all([a.connect(), b.connect()]);
  const got: RoomMessage[] = [];
  b.on("room", (m) => got.push(m));
  const room = await a.rooms.create("launch");
  await a.rooms.join(room.conversationId);
  await b.rooms.join(room.conversationId);
  assert.ok(a.rooms.send(room.conversationId, "hello viewers"));
  await settle();
  assert.deepEqual(got.map((m) => m.body), ["hello viewers"]);
  server.dropAll(1006);
  await clock.tick(60_000); // reconnect backoff; both join again on connect
  await settle();
  assert.ok(a.rooms.send(room.conversationId, "still live"));
  await settle();
  assert.deepEqual(got.map((m) => m.body), ["hello viewers", "still live"]);
  b.rooms.leave(room.conversationId);
  await settle();
  a.rooms.send(room.conversationId, "gone?");
  await settle();
  assert.equal(got.length, 2);
});
