import assert from "node:assert/strict";
import { parseClientFrame } from "./frames.ts";
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
