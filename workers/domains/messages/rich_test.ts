/**
 * Rich sends through the real batch processor on real MariaDB and Redis: each kind stored and
 * delivered with its content, what a message may refer to (media, replies, forwards), and the
 * plain text wire left exactly as it was.
 */
import assert from "node:assert/strict";
import { ErrorCode } from "@im/protocol";
import { testEnv } from "@im/shared/testing";
import {
  createGroup,
  createUsers,
  processorFor,
  resultFrames,
  richSend,
  run,
  sendEntry,
  uploaded,
} from "../../test_support.ts";

Deno.test("rich: every kind is stored with its content and delivered; text is unchanged", async () => {
  const env = await testEnv();
  try {
    const [alice, bob] = await createUsers(env, "alice", "bob");
    const { routes } = processorFor(env);
    await routes.set(bob, { deviceId: "phone", gatewayId: "g-bob", connId: "c-bob" });
    const d = `d:${alice}:${bob}`;
    await run(env, [sendEntry(alice, bob, "first")]); // the chat exists from here
    const img = await uploaded(env, d, alice, "image");
    const voice = await uploaded(env, d, alice, "voice");
    const sends = [
      richSend(alice, d, { kind: "image", mediaId: img, body: "my cat" }),
      richSend(alice, d, { kind: "voice", mediaId: voice }),
      richSend(alice, d, { kind: "location", latitude: 52.5, longitude: 13.4, name: "Cafe" }),
      richSend(alice, d, { kind: "custom", customType: "poll", payload: '{"q":"lunch?"}' }),
    ];
    const reply = await run(env, sends);
    const acks = sends.map((s) => reply(s.env.frame.id!)!);
    assert.deepEqual(acks.map((a) => a.type), ["msg.sent", "msg.sent", "msg.sent", "msg.sent"]);
    const [image, vo, loc, custom] = acks.map((a) => a.data.message);
    assert.deepEqual([image.kind, image.body, image.media.mediaId], ["image", "my cat", img]);
    assert.deepEqual(image.media, {
      mediaId: img,
      mime: "image/png",
      size: 1234,
      name: "cat.png",
      width: 640,
      height: 480,
      thumb: { width: 320, height: 240 },
    });
    assert.equal(vo.media.durationMs, 3000);
    assert.deepEqual([loc.body, loc.location], ["Cafe", {
      latitude: 52.5,
      longitude: 13.4,
      name: "Cafe",
    }]);
    assert.deepEqual(custom.custom, { type: "poll", payload: '{"q":"lunch?"}' });
    const pushed = (await resultFrames(env, "g-bob")).map((f) => f.frame);
    assert.deepEqual(pushed.map((f) => f.data.kind), [
      "text",
      "image",
      "voice",
      "location",
      "custom",
    ]);
    // A plain text is byte for byte what it was: these keys, in this order, and an ack without
    // a `message`.
    assert.deepEqual(Object.keys(pushed[0].data), [
      "msgId",
      "conversationId",
      "seq",
      "from",
      "clientMsgId",
      "kind",
      "body",
      "serverTime",
      "to",
    ]);
    const textAck = (await resultFrames(env, "g1")).find((f) => f.frame.id === "r-first")!.frame;
    assert.deepEqual(Object.keys(textAck.data), [
      "clientMsgId",
      "msgId",
      "seq",
      "conversationId",
      "serverTime",
    ]);
    // The stored text column holds each message's text (what search indexes).
    const rows = await env.db.selectFrom("messages").select(["kind", "body", "media_id"])
      .orderBy("seq").execute();
    assert.deepEqual(rows.map((r) => [r.kind, r.body, r.media_id]), [
      ["text", "hello", null],
      ["image", "my cat", img],
      ["voice", "", voice],
      ["location", "Cafe", null],
      ["custom", "", null],
    ]);
  } finally {
    await env.close();
  }
});

Deno.test("rich: a message may only name the sender's own upload to that conversation, of its kind", async () => {
  const env = await testEnv();
  try {
    const [alice, bob, carol] = await createUsers(env, "alice", "bob", "carol");
    const g = await createGroup(env, "7", [alice, bob, carol]);
    const other = await createGroup(env, "8", [alice, bob]);
    const elsewhere = await uploaded(env, other, alice, "image");
    const bobs = await uploaded(env, g, bob, "image");
    const voice = await uploaded(env, g, alice, "voice");
    const sends = [
      richSend(alice, g, { kind: "image", mediaId: elsewhere }),
      richSend(alice, g, { kind: "image", mediaId: bobs }),
      richSend(alice, g, { kind: "image", mediaId: voice }),
      richSend(alice, g, { kind: "image", mediaId: "999999" }),
      richSend(alice, g, { kind: "text", body: "x".repeat(5001) }),
      richSend(alice, g, { kind: "image", mediaId: voice, body: "x".repeat(5001) }),
      richSend(alice, g, { kind: "custom", customType: "poll", payload: "{nope" }),
      richSend(alice, g, { kind: "custom", customType: "poll", payload: `"${"x".repeat(9000)}"` }),
    ];
    const reply = await run(env, sends);
    assert.deepEqual(sends.map((s) => reply(s.env.frame.id!)?.data.code), [
      ErrorCode.MEDIA_INVALID,
      ErrorCode.MEDIA_INVALID,
      ErrorCode.MEDIA_INVALID,
      ErrorCode.MEDIA_INVALID,
      ErrorCode.BODY_LENGTH,
      ErrorCode.BODY_LENGTH,
      ErrorCode.CUSTOM_PAYLOAD,
      ErrorCode.CUSTOM_PAYLOAD,
    ]);
    assert.equal((await env.db.selectFrom("messages").selectAll().execute()).length, 0);
  } finally {
    await env.close();
  }
});

Deno.test("rich: replies quote a message of the same conversation; forwards copy what you can see", async () => {
  const env = await testEnv();
  try {
    const [alice, bob, carol] = await createUsers(env, "alice", "bob", "carol");
    const g = await createGroup(env, "7", [alice, bob, carol]);
    const h = await createGroup(env, "9", [bob, carol]);
    const img = await uploaded(env, g, alice, "image");
    const first = richSend(alice, g, { kind: "image", mediaId: img, body: "look at this" });
    const reply1 = await run(env, [first]);
    const orig = reply1(first.env.frame.id!)!.data.message;
    const sends = [
      richSend(bob, g, { kind: "text", body: "nice", replyTo: orig.msgId }),
      richSend(bob, h, { kind: "text", body: "wrong room", replyTo: orig.msgId }),
      richSend(bob, h, { kind: "forward", source: orig.msgId }),
      richSend(alice, h, { kind: "forward", source: orig.msgId }), // alice is not in h
    ];
    const reply = await run(env, sends);
    const [re, wrong, fwd, outsider] = sends.map((s) => reply(s.env.frame.id!)!);
    assert.deepEqual(re.data.message.replyTo, {
      msgId: orig.msgId,
      seq: 1,
      from: alice,
      kind: "image",
      text: "look at this",
    });
    assert.equal(wrong.data.code, ErrorCode.REPLY_INVALID);
    assert.equal(fwd.data.message.kind, "image");
    assert.deepEqual(fwd.data.message.forwarded, { from: alice });
    assert.deepEqual(fwd.data.message.media, orig.media, "the same object, now visible in h");
    assert.equal(fwd.data.message.from, bob);
    assert.equal(outsider.data.code, ErrorCode.NOT_FOUND);
    // carol cleared g: a member who cannot see the source cannot forward it.
    await env.db.updateTable("conversation_members").set({ cleared_seq: 5 })
      .where("conversation_id", "=", g).where("user_id", "=", carol).execute();
    const hidden = richSend(carol, h, { kind: "forward", source: orig.msgId });
    const forwardedAgain = richSend(carol, h, { kind: "forward", source: fwd.data.msgId });
    const r2 = await run(env, [hidden, forwardedAgain]);
    assert.equal(r2(hidden.env.frame.id!)!.data.code, ErrorCode.FORWARD_INVALID);
    assert.deepEqual(
      r2(forwardedAgain.env.frame.id!)!.data.message.forwarded,
      { from: alice },
      "a forward of a forward names the original sender",
    );
  } finally {
    await env.close();
  }
});
