import assert from "node:assert/strict";
import { clientFrames, parseClientFrame, SERVER_FRAME_TYPES } from "./frames.ts";
import { ErrorCode } from "./errors.ts";

const send = (data: unknown, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ type: "msg.send", id: "r1", data, ...extra });
const good = { to: "42", clientMsgId: "abc_1", kind: "text", body: "hello" };

function code(text: string) {
  const r = parseClientFrame(text);
  return r.ok ? "ok" : r.error.code;
}

Deno.test("frames: a valid msg.send parses with its request id", () => {
  const r = parseClientFrame(send(good));
  assert.deepEqual(r.ok, true);
  if (r.ok) {
    assert.deepEqual(r.frame.type, "msg.send");
    assert.deepEqual(r.frame.id, "r1");
    assert.deepEqual(r.frame.data, good);
  }
});

Deno.test("frames: malformed JSON, unknown types and schema violations get numbered errors", () => {
  assert.deepEqual(code("{nope"), ErrorCode.BAD_JSON);
  assert.deepEqual(code("[]"), ErrorCode.INVALID_FRAME);
  assert.deepEqual(code("null"), ErrorCode.INVALID_FRAME);
  assert.deepEqual(code(JSON.stringify({ type: "msg.fly", data: {} })), ErrorCode.UNKNOWN_TYPE);
  assert.deepEqual(code(send({ ...good, to: undefined })), ErrorCode.INVALID_FRAME);
  assert.deepEqual(code(send({ ...good, to: 42 })), ErrorCode.INVALID_FRAME);
  assert.deepEqual(code(send({ ...good, to: { id: 1 } })), ErrorCode.INVALID_FRAME);
  assert.deepEqual(code(send({ ...good, kind: "image" })), ErrorCode.INVALID_FRAME);
  assert.deepEqual(code(send({ ...good, clientMsgId: "has space" })), ErrorCode.INVALID_FRAME);
  assert.deepEqual(code(JSON.stringify({ type: 7, data: {} })), ErrorCode.INVALID_FRAME);
});

Deno.test("frames: identity fields smuggled into a frame are rejected", () => {
  const r = parseClientFrame(send({ ...good, from: "1" }));
  assert.deepEqual(r.ok, false);
  if (!r.ok) {
    assert.deepEqual(r.error.code, ErrorCode.INVALID_FRAME);
    assert.deepEqual(r.error.message, "data.from is not allowed");
    assert.deepEqual(r.id, "r1");
  }
});

Deno.test("frames: JSON edge cases are errors, not crashes", () => {
  assert.deepEqual(code("[".repeat(60_000)), ErrorCode.BAD_JSON);
  assert.deepEqual(code(send({ ...good, body: "a\u0000b" })), ErrorCode.INVALID_FRAME);
  assert.deepEqual(code(send({ ...good, body: "\ud800" })), ErrorCode.INVALID_FRAME);
  assert.deepEqual(code(send({ ...good, to: "1e400" })), ErrorCode.INVALID_FRAME);
  assert.deepEqual(
    code(`{"type":"msg.send","data":{"__proto__":{"x":1},"to":"1"}}`),
    ErrorCode.INVALID_FRAME,
  );
  assert.deepEqual(code(send(good, { id: 5 })), ErrorCode.INVALID_FRAME);
});

Deno.test("frames: ping needs no data", () => {
  assert.deepEqual(code(JSON.stringify({ type: "ping" })), "ok");
});

Deno.test("frames: msg.send names exactly one of a conversation and a user", () => {
  const { to: _, ...noTarget } = good;
  assert.deepEqual(code(send({ ...noTarget, conversationId: "d:1:42" })), "ok");
  assert.deepEqual(code(send({ ...noTarget, conversationId: "g:9" })), "ok");
  assert.deepEqual(code(send(noTarget)), ErrorCode.INVALID_FRAME);
  assert.deepEqual(code(send({ ...good, conversationId: "d:1:42" })), ErrorCode.INVALID_FRAME);
  assert.deepEqual(code(send({ ...noTarget, conversationId: "d:42:1" })), ErrorCode.INVALID_FRAME);
  const r = parseClientFrame(send(noTarget));
  assert.equal(!r.ok && r.error.message, "data needs exactly one of conversationId and to");
});

Deno.test("frames: every client type has a lane, a reply the server can send, and a key on the tx lane", () => {
  const serverTypes = new Set<string>(SERVER_FRAME_TYPES);
  for (const [type, spec] of Object.entries(clientFrames)) {
    assert.ok(["local", "tx", "read", "ephemeral"].includes(spec.lane), type);
    if (spec.reply !== null) {
      assert.ok(serverTypes.has(spec.reply), `${type} replies ${spec.reply}`);
    }
    assert.equal("key" in spec, spec.lane === "tx", `${type}: a key exactly on the tx lane`);
  }
  const send = clientFrames["msg.send"];
  assert.equal(send.key({ to: "9", clientMsgId: "c", kind: "text", body: "x" }, "10"), "d:9:10");
  assert.equal(
    send.key({ conversationId: "g:5", clientMsgId: "c", kind: "text", body: "x" }, "10"),
    "g:5",
  );
  assert.equal(clientFrames["ids.fetch"].key({ count: 1 }, "10"), "u:10");
});
