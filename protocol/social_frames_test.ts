import assert from "node:assert/strict";
import { clientFrames, parseClientFrame } from "./frames.ts";
import { ErrorCode } from "./errors.ts";

const code = (type: string, data: unknown) => {
  const r = parseClientFrame(JSON.stringify({ type, id: "1", data }));
  return r.ok ? "ok" : r.error.code;
};

Deno.test("social frames: changes between two users run on their direct chat's partition", () => {
  for (const type of ["friend.request", "friend.accept", "block.add", "block.remove"] as const) {
    const spec = clientFrames[type];
    assert.equal(spec.key({ userId: "9" } as never, "10"), "d:9:10", type);
    assert.equal(spec.key({ userId: "10" } as never, "9"), "d:9:10", `${type}, other side`);
  }
  assert.equal(clientFrames["msg.send"].key({ to: "9" } as never, "10"), "d:9:10");
  assert.equal(clientFrames["profile.update"].key({ bio: "" }, "10"), "u:10");
  assert.equal(
    clientFrames["conv.update"].key({ conversationId: "g:5", pinned: true }, "1"),
    "g:5",
  );
  for (const type of ["friend.list", "friend.requests", "block.list", "conv.list", "profile.get"]) {
    assert.equal(clientFrames[type as keyof typeof clientFrames].lane, "read", type);
  }
});

Deno.test("social frames: no owner can be named, and empty changes are refused", () => {
  assert.equal(code("profile.update", { userId: "2", bio: "x" }), ErrorCode.INVALID_FRAME);
  assert.equal(code("profile.update", {}), ErrorCode.INVALID_FRAME);
  assert.equal(code("profile.update", { dmPolicy: "nobody" }), ErrorCode.INVALID_FRAME);
  assert.equal(code("conv.update", { conversationId: "d:1:2" }), ErrorCode.INVALID_FRAME);
  assert.equal(
    code("conv.update", { conversationId: "d:1:2", pinned: "yes" }),
    ErrorCode.INVALID_FRAME,
  );
  assert.equal(code("conv.update", { conversationId: "d:1:2", muted: false }), "ok");
  assert.equal(code("conv.list", { userId: "2" }), ErrorCode.INVALID_FRAME);
  assert.equal(code("friend.list", { owner: "2" }), ErrorCode.INVALID_FRAME);
  assert.equal(code("friend.request", { userId: { $gt: 0 } }), ErrorCode.INVALID_FRAME);
  assert.equal(code("friend.requests", { direction: "sideways" }), ErrorCode.INVALID_FRAME);
  assert.equal(code("conv.list", { cursor: "has space" }), ErrorCode.INVALID_FRAME);
  assert.equal(code("conv.list", { limit: 101 }), ErrorCode.INVALID_FRAME);
  assert.equal(code("profile.get", { userIds: Array(101).fill("1") }), ErrorCode.INVALID_FRAME);
});
