/**
 * Keeps the SDK's copy of the protocol identical to the server's: frame shapes at compile time,
 * codes by value, and the frames the SDK builds accepted by the server's own parser.
 */
import assert from "node:assert/strict";
import * as S from "@im/shared/protocol";
import * as C from "./protocol.ts";
import { CloseCode, ErrorCode } from "./errors.ts";

type Assert<T extends true> = T;
// Every frame the server can send is one the SDK understands.
export type ServerFramesCovered = Assert<S.ServerFrame extends C.ServerFrame ? true : false>;
// Every frame type the server accepts, the SDK builds in a shape the server accepts.
type ClientOk = {
  [T in S.ClientType]: T extends C.ClientType
    ? (Extract<C.ClientFrame, { type: T }> extends S.ClientFrameOf<T> ? true : false)
    : false;
}[S.ClientType];
export type ClientFramesConform = Assert<ClientOk extends true ? true : false>;

Deno.test("error and close codes match the server's registry", () => {
  for (const [name, code] of Object.entries(S.ErrorCode)) {
    assert.equal(ErrorCode[name as keyof typeof ErrorCode], code, name);
  }
  for (const [name, code] of Object.entries(S.CloseCode)) {
    assert.equal(CloseCode[name as keyof typeof CloseCode], code, name);
  }
  assert.equal(C.PROTOCOL_VERSION, S.PROTOCOL_VERSION);
});

const samples: C.ClientFrame[] = [
  { type: "ping", id: "r1", data: {} },
  {
    type: "msg.send",
    id: "r2",
    data: { to: "42", clientMsgId: "abc_1", kind: "text", body: "hi" },
  },
  { type: "msg.delivered", id: "r3", data: { conversationId: "d:1:42", seq: 3 } },
  { type: "msg.read", id: "r4", data: { conversationId: "d:1:42", seq: 3 } },
  { type: "msg.recall", id: "r5", data: { msgId: "123456789" } },
  { type: "sync", id: "r6", data: { cursors: [{ conversationId: "d:1:42", seq: 3 }], limit: 200 } },
  { type: "history", id: "r7", data: { conversationId: "d:1:42", beforeSeq: 10, limit: 30 } },
  { type: "ids.fetch", id: "r8", data: { count: 10 } },
];

Deno.test("the server's parser accepts every frame the SDK builds (types it knows)", () => {
  const known = new Set(Object.keys(S.clientDataSchemas));
  const checked: string[] = [];
  for (const f of samples) {
    if (!known.has(f.type)) continue; // not on the server yet
    const r = S.parseClientFrame(JSON.stringify(f));
    assert.ok(r.ok, `${f.type}: ${JSON.stringify(r)}`);
    checked.push(f.type);
  }
  assert.ok(checked.includes("msg.send"));
  for (const t of known) assert.ok(samples.some((f) => f.type === t), `SDK lacks ${t}`);
});

Deno.test("conversation ids are computed as the server does", async () => {
  const { directConversationId } = await import("@im/shared/partition");
  assert.equal(C.directConversationId("10", "9"), directConversationId("10", "9"));
  assert.equal(C.peerOf("d:9:10", "9"), "10");
});
