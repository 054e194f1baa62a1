import assert from "node:assert/strict";
import { ErrorCode } from "@im/protocol";
import { TypingGate } from "./typing_gate.ts";

const typing = (conversationId: string, active: boolean) =>
  ({ type: "typing", data: { conversationId, active } }) as const;

Deno.test("typing gate: starts closer than the interval are refused per conversation; stops pass", () => {
  let now = 10_000;
  const gate = new TypingGate(1000, () => now);
  const conn = {};
  assert.equal(gate.check(conn, typing("d:1:2", true)), null);
  assert.equal(gate.check(conn, typing("d:1:2", true))?.code, ErrorCode.RATE_LIMITED);
  assert.equal(gate.check(conn, typing("d:1:3", true)), null, "another conversation");
  assert.equal(gate.check({}, typing("d:1:2", true)), null, "another connection");
  assert.equal(gate.check(conn, typing("d:1:2", false)), null, "a stop always goes");
  now += 1000;
  assert.equal(gate.check(conn, typing("d:1:2", true)), null);
  const send = { type: "ids.fetch", data: { count: 1 } } as const;
  assert.equal(gate.check(conn, send), null, "other frames are not its business");
});

Deno.test("typing gate: a connection typing in many conversations is remembered in bounded space", () => {
  const gate = new TypingGate(1000, () => 5);
  const conn = {};
  for (let i = 1; i <= 200; i++) assert.equal(gate.check(conn, typing(`d:1:${i + 1}`, true)), null);
  // The oldest were forgotten (bounded memory), the newest are still limited.
  assert.equal(gate.check(conn, typing("d:1:2", true)), null);
  assert.equal(gate.check(conn, typing("d:1:201", true))?.code, ErrorCode.RATE_LIMITED);
});
