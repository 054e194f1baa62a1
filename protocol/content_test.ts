import assert from "node:assert/strict";
import { clientFrames, parseClientFrame } from "./frames.ts";
import { ErrorCode } from "./errors.ts";
import { locationBody, previewText } from "./domains/content.ts";

const frame = (type: string, data: unknown) => JSON.stringify({ type, id: "r1", data });
const send = (data: Record<string, unknown>) =>
  frame("msg.send", { conversationId: "d:1:2", clientMsgId: "c1", ...data });
function outcome(text: string) {
  const r = parseClientFrame(text);
  return r.ok ? "ok" : `${r.error.code} ${r.error.message}`;
}

Deno.test("content: every kind parses with its own fields", () => {
  for (
    const data of [
      { kind: "text", body: "hi" },
      { kind: "text", body: "re", replyTo: "77" },
      { kind: "image", mediaId: "5" },
      { kind: "image", mediaId: "5", body: "a caption" },
      { kind: "voice", mediaId: "6" },
      { kind: "video", mediaId: "7", body: "" },
      { kind: "file", mediaId: "8", body: "the report" },
      { kind: "location", latitude: 52.52, longitude: 13.405 },
      { kind: "location", latitude: -90, longitude: 180, name: "Pole", address: "South" },
      { kind: "custom", customType: "poll", payload: '{"q":"lunch?"}' },
      { kind: "custom", customType: "com.example.card", payload: "[]", body: "a card" },
      { kind: "forward", source: "99" },
    ]
  ) assert.equal(outcome(send(data)), "ok", JSON.stringify(data));
});

Deno.test("content: a plain text send is parsed exactly as before", () => {
  const data = { to: "42", clientMsgId: "abc_1", kind: "text", body: "hello" };
  const r = parseClientFrame(frame("msg.send", data));
  assert.ok(r.ok);
  assert.deepEqual(r.frame.data, data);
});

Deno.test("content: bad rich sends get INVALID_FRAME naming the field", () => {
  const bad = (data: Record<string, unknown>, message: string) =>
    assert.equal(outcome(send(data)), `${ErrorCode.INVALID_FRAME} ${message}`);
  bad(
    { kind: "sticker", mediaId: "1" },
    "data.kind must be one of text, image, voice, video, file, location, custom, forward",
  );
  bad({ kind: "image" }, "data.mediaId must be a string");
  bad({ kind: "image", mediaId: "../1" }, "data.mediaId must match /^[1-9][0-9]*$/");
  bad({ kind: "text", body: "x", mediaId: "1" }, "data.mediaId is not allowed");
  bad({ kind: "voice", mediaId: "1", body: "no captions" }, "data.body is not allowed");
  bad({ kind: "location", latitude: 91, longitude: 0 }, "data.latitude must be between -90 and 90");
  bad({ kind: "location", latitude: "1", longitude: 0 }, "data.latitude must be a finite number");
  bad(
    { kind: "location", latitude: 1, longitude: 0, name: "" },
    "data.name must have at least 1 characters",
  );
  bad(
    { kind: "custom", customType: "1abc", payload: "{}" },
    "data.customType must match /^[A-Za-z][A-Za-z0-9_.:-]*$/",
  );
  bad({ kind: "custom", customType: "poll", payload: { q: 1 } }, "data.payload must be a string");
  bad({ kind: "forward", source: "1", replyTo: "2" }, "data.replyTo is not allowed");
  bad({ kind: "image", mediaId: "1", from: "3" }, "data.from is not allowed");
  assert.equal(
    outcome(
      frame("msg.send", {
        to: "2",
        conversationId: "d:1:2",
        clientMsgId: "c",
        kind: "voice",
        mediaId: "1",
      }),
    ),
    `${ErrorCode.INVALID_FRAME} data needs exactly one of conversationId and to`,
  );
});

Deno.test("content: msg.edit and msg.react frames", () => {
  assert.equal(outcome(frame("msg.edit", { msgId: "9", body: "fixed" })), "ok");
  assert.equal(outcome(frame("msg.react", { msgId: "9", emoji: "👍", add: true })), "ok");
  for (const e of ["👍🏽", "❤️", "👨‍👩‍👧", "🇩🇪"]) {
    assert.equal(outcome(frame("msg.react", { msgId: "9", emoji: e, add: false })), "ok", e);
  }
  for (const e of ["", "a", "👍 ", "<b>", "1", "👍".repeat(17)]) {
    assert.match(outcome(frame("msg.react", { msgId: "9", emoji: e, add: true })), /^1003 /, e);
  }
  assert.match(outcome(frame("msg.react", { msgId: "9", emoji: "👍", add: 1 })), /^1003 /);
  assert.match(outcome(frame("msg.edit", { msgId: "9" })), /^1003 /);
  // Every change to one message takes the same partition key.
  assert.equal(clientFrames["msg.edit"].key({ msgId: "9", body: "" }, "1"), "m:9");
  assert.equal(clientFrames["msg.react"].key({ msgId: "9", emoji: "👍", add: true }, "1"), "m:9");
  assert.equal(clientFrames["msg.recall"].key({ msgId: "9" }, "1"), "m:9");
});

Deno.test("content: previews cut at characters; a location's body is its name and address", () => {
  assert.equal(previewText("short"), "short");
  assert.equal(previewText("😀".repeat(101)), "😀".repeat(100) + "…");
  assert.equal(locationBody({ name: "Cafe", address: "1 Main St" }), "Cafe\n1 Main St");
  assert.equal(locationBody({}), "");
});
