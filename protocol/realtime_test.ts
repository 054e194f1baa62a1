import assert from "node:assert/strict";
import { ErrorCode } from "./errors.ts";
import { parseClientFrame } from "./frames.ts";

const parse = (frame: unknown) => parseClientFrame(JSON.stringify(frame));
const code = (frame: unknown) => {
  const r = parse(frame);
  return r.ok ? "ok" : r.error.code;
};

Deno.test("realtime frames: a server-only type is unknown to clients, whatever its data", () => {
  assert.equal(code({ type: "call.record", data: { callId: "abcdefgh" } }), ErrorCode.UNKNOWN_TYPE);
});

Deno.test("realtime frames: call.signal carries exactly one of sdp and candidate, of bounded size", () => {
  const callId = "0123456789abcdef";
  const sdp = { type: "offer", sdp: "v=0" };
  const candidate = { candidate: "candidate:1 1 udp 1 127.0.0.1 9 typ host", sdpMLineIndex: 0 };
  assert.equal(code({ type: "call.signal", data: { callId, sdp } }), "ok");
  assert.equal(code({ type: "call.signal", data: { callId, candidate } }), "ok");
  assert.equal(code({ type: "call.signal", data: { callId } }), ErrorCode.INVALID_FRAME);
  assert.equal(
    code({ type: "call.signal", data: { callId, sdp, candidate } }),
    ErrorCode.INVALID_FRAME,
  );
  assert.equal(
    code({ type: "call.signal", data: { callId, sdp: { type: "pranswer", sdp: "v=0" } } }),
    ErrorCode.INVALID_FRAME,
  );
  assert.equal(
    code({ type: "call.signal", data: { callId, candidate: { ...candidate, sdpMid: null } } }),
    ErrorCode.INVALID_FRAME,
    "null fields are left out, not sent",
  );
  assert.equal(
    code({ type: "call.signal", data: { callId: "short", sdp } }),
    ErrorCode.INVALID_FRAME,
  );
  assert.equal(
    code({ type: "call.signal", data: { callId: "bad/id/123", sdp } }),
    ErrorCode.INVALID_FRAME,
  );
});

Deno.test("realtime frames: invites name a media kind; presence lists are bounded user ids", () => {
  const invite = { callId: "0123456789abcdef", conversationId: "d:1:2" };
  assert.equal(code({ type: "call.invite", data: { ...invite, media: "video" } }), "ok");
  assert.equal(
    code({ type: "call.invite", data: { ...invite, media: "screen" } }),
    ErrorCode.INVALID_FRAME,
  );
  assert.equal(code({ type: "presence.sub", data: { userIds: ["1", "2"] } }), "ok");
  assert.equal(code({ type: "presence.sub", data: { userIds: ["x"] } }), ErrorCode.INVALID_FRAME);
  const many = Array.from({ length: 201 }, (_, i) => String(i + 1));
  assert.equal(code({ type: "presence.sub", data: { userIds: many } }), ErrorCode.INVALID_FRAME);
  assert.equal(code({ type: "presence.set", data: { hidden: "yes" } }), ErrorCode.INVALID_FRAME);
});
