/** Rich messages in the SDK against the server's in-memory twin. */
import assert from "node:assert/strict";
import { ImClient } from "./client.ts";
import type { MessageView } from "@im/protocol";
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
    });
  return { server, clock, client };
}

const photo = {
  mediaId: "900",
  mime: "image/png",
  size: 5000,
  name: "p.png",
  width: 640,
  height: 480,
  thumb: { width: 320, height: 240 },
};

Deno.test("sdk rich: media, location and custom sends arrive with their content", async () => {
  const { server, client } = rig();
  server.addMedia(photo);
  const a = client("1"), b = client("2");
  await Promise.all([a.connect(), b.connect()]);
  const got: MessageView[] = [];
  b.on("message", (m) => got.push(m));
  const img = await a.sendContent("2", { kind: "image", media: photo }, { body: "look" });
  assert.deepEqual([img.kind, img.body, img.media], ["image", "look", photo]);
  await a.sendContent("2", {
    kind: "location",
    location: { latitude: 1.5, longitude: 2.5, name: "Here" },
  });
  await a.sendContent("2", { kind: "custom", custom: { type: "poll", payload: "{}" } });
  assert.deepEqual(got.map((m) => m.kind), ["image", "location", "custom"]);
  assert.deepEqual(got[1].location, { latitude: 1.5, longitude: 2.5, name: "Here" });
  assert.equal(got[1].body, "Here");
  // The sender's own timeline holds the server's version of each.
  const mine = a.timeline(img.conversationId).map((i) => i.kind === "message" && i.message.kind);
  assert.deepEqual(mine, ["image", "location", "custom"]);
  await assert.rejects(
    a.sendContent("2", { kind: "image", media: { ...photo, mediaId: "901" } }),
    (e) => e instanceof ServerError && e.code === ErrorCode.MEDIA_INVALID,
  );
  a.close();
  b.close();
});

Deno.test("sdk rich: reply, forward, edit and reactions reach every device", async () => {
  const { server, client } = rig();
  const g = server.addGroup("5", ["1", "2", "3"]);
  const a = client("1"), b = client("2"), c = client("3");
  await Promise.all([a.connect(), b.connect(), c.connect()]);
  const first = await a.send(g, "lunch at noon?");
  const re = await b.send(g, "yes", { replyTo: first.msgId });
  assert.deepEqual(re.replyTo, {
    msgId: first.msgId,
    seq: 1,
    from: "1",
    kind: "text",
    text: "lunch at noon?",
  });
  const fwd = await c.forward(first.msgId, "2");
  assert.deepEqual([fwd.body, fwd.forwarded], ["lunch at noon?", { from: "1" }]);

  const edits: MessageView[] = [];
  b.on("edit", (m) => edits.push(m));
  const e = await a.edit(first.msgId, "lunch at one?");
  assert.equal(e.body, "lunch at one?");
  assert.deepEqual(edits.map((m) => [m.msgId, m.body, m.edited]), [[
    first.msgId,
    "lunch at one?",
    true,
  ]]);
  assert.equal(a.store.message(first.msgId)!.body, "lunch at one?");
  await assert.rejects(
    b.edit(first.msgId, "mine"),
    (x) => x instanceof ServerError && x.code === ErrorCode.NOT_SENDER,
  );

  await b.react(first.msgId, "👍");
  await c.react(first.msgId, "👍");
  await c.react(first.msgId, "❤️");
  await c.react(first.msgId, "❤️", false);
  assert.deepEqual(a.store.message(first.msgId)!.reactions, [{ emoji: "👍", count: 2, me: false }]);
  assert.deepEqual(b.store.message(first.msgId)!.reactions, [{ emoji: "👍", count: 2, me: true }]);

  // A device that was not there gets the latest version by sync: the edit notice is applied
  // and not shown.
  const late = client("2", "tablet");
  await late.connect();
  const shown = late.timeline(g).flatMap((i) => i.kind === "message" ? [i.message.body] : []);
  assert.deepEqual(shown, ["lunch at one?", "yes"]);
  assert.equal(late.store.message(first.msgId)!.edited, true);
  for (const x of [a, b, c, late]) x.close();
});
