/** The SDK's friends, blocks, profile and server-side conversation list against the server's twin. */
import assert from "node:assert/strict";
import { ImClient } from "./client.ts";
import { describeError, ErrorCode, ServerError } from "./errors.ts";
import { FakeClock, settle } from "./testing/fake_clock.ts";
import { FakeServer } from "./testing/fake_server.ts";

function rig() {
  const server = new FakeServer();
  const clock = new FakeClock();
  const client = (userId: string, device = `dev-${userId}`) =>
    new ImClient({
      session: server.login(userId, device),
      sockets: server.factory,
      clock,
      random: () => 1,
    });
  return { server, clock, client };
}

Deno.test("social: a request and its accept reach every device of both users", async () => {
  const { client } = rig();
  const a1 = client("1", "a1"), a2 = client("1", "a2"), b = client("2");
  await Promise.all([a1.connect(), a2.connect(), b.connect()]);
  const heard: string[] = [];
  a2.on("friend", (c) => heard.push(`${c.kind}:${c.userId}`));
  await a1.social.requestFriend("2", "hello");
  await settle();
  assert.deepEqual([...a1.social.outgoing.items.keys()], ["2"]);
  assert.deepEqual([...a2.social.outgoing.items.keys()], ["2"], "my other device");
  assert.equal(b.social.incoming.items.get("1")?.message, "hello");
  await b.social.acceptFriend("1");
  await settle();
  for (const c of [a1, a2]) {
    assert.deepEqual([...c.social.friends.items.keys()], ["2"]);
    assert.equal(c.social.outgoing.items.size, 0);
  }
  assert.deepEqual(heard, ["requested:2", "accepted:2"]);
  await a1.social.setRemark("2", "Bobby");
  await settle();
  assert.equal(a2.social.friends.items.get("2")?.remark, "Bobby");
  assert.equal(b.social.friends.items.get("1")?.remark, "", "a remark is mine alone");
  const err = await a1.social.requestFriend("2").catch((e) => e);
  assert.ok(err instanceof ServerError && err.code === ErrorCode.ALREADY_FRIENDS);
  for (const c of [a1, a2, b]) c.close();
});

Deno.test("social: a device that was offline reads the lists again when it reconnects", async () => {
  const { client, server, clock } = rig();
  const a1 = client("1", "a1"), a2 = client("1", "a2"), b = client("2");
  await Promise.all([a1.connect(), a2.connect(), b.connect()]);
  await a2.social.loadFriends();
  await b.social.requestFriend("1");
  for (const p of server.online("1")) if (p.deviceId === "a2") p.socket.drop(1006);
  await a1.social.acceptFriend("2");
  assert.equal(a2.social.friends.items.size, 0, "offline: missed the push");
  await clock.tick(60_000); // reconnect (backoff), sync, then the lists again
  await settle();
  assert.deepEqual([...a2.social.friends.items.keys()], ["2"]);
  for (const c of [a1, a2, b]) c.close();
});

Deno.test("social: a block refuses messages both ways, in plain words; unblock lets them through", async () => {
  const { client } = rig();
  const a = client("1"), b = client("2");
  await Promise.all([a.connect(), b.connect()]);
  await a.social.block("2");
  assert.equal(a.social.isBlocked("2"), true);
  const err = await b.send("1", "hey").catch((e) => e);
  assert.ok(err instanceof ServerError);
  assert.equal(err.code, ErrorCode.REFUSED);
  assert.equal(describeError(err), "This user does not accept that from you.");
  await a.social.unblock("2");
  assert.equal((await b.send("1", "hey again")).seq, 1);
  a.close(), b.close();
});

Deno.test("inbox: the server's list; a pin, a mute and a delete reach my other device", async () => {
  const { client } = rig();
  const a1 = client("1", "a1"), a2 = client("1", "a2"), b = client("2"), c = client("3");
  await Promise.all([a1.connect(), a2.connect(), b.connect(), c.connect()]);
  await b.send("1", "from bob");
  await c.send("1", "from carol");
  await settle();
  await a1.inbox.load();
  await a2.inbox.load();
  const order = (x: ImClient) => x.inbox.items().map((i) => i.conversationId);
  const withBob = a1.conversationWith("2"), withCarol = a1.conversationWith("3");
  assert.equal(a1.inbox.get(withBob)?.unread, 1);
  await a1.inbox.pin(withBob);
  await settle();
  assert.deepEqual(order(a2), [withBob, withCarol], "pinned first, on the other device too");
  await a1.inbox.mute(withCarol);
  await settle();
  assert.equal(a2.inbox.get(withCarol)?.muted, true);

  await a1.markRead(withBob);
  await settle();
  assert.equal(a2.inbox.get(withBob)?.unread, 0, "read on one device, read on all");

  await a1.inbox.deleteForMe(withCarol);
  await settle();
  assert.deepEqual(order(a2), [withBob], "deleted: out of the list");
  assert.equal(a2.store.get(withCarol)?.messages.length, 0, "and its messages gone here");
  await c.send("1", "again");
  await settle();
  assert.deepEqual(order(a2), [withBob, withCarol], "back with the next message");
  assert.deepEqual(a2.inbox.get(withCarol)?.lastMessage?.body, "again");
  assert.equal(a2.inbox.get(withCarol)?.unread, 1);
  for (const x of [a1, a2, b, c]) x.close();
});
