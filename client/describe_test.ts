import assert from "node:assert/strict";
import { describeMessage } from "./describe.ts";
import type { MessageView } from "@im/protocol";

const base: MessageView = {
  msgId: "1",
  conversationId: "d:1:2",
  seq: 3,
  from: "1",
  clientMsgId: "c",
  kind: "text",
  body: "hi",
  serverTime: 0,
};

Deno.test("describeMessage: every kind as one line of text", () => {
  const media = { mediaId: "9", mime: "image/png", size: 3072, name: "cat.png" };
  const cases: Array<[Partial<MessageView>, string]> = [
    [{}, "hi"],
    [{ edited: true, editedAt: 5 }, "hi (edited)"],
    [
      { kind: "image", body: "", media: { ...media, width: 80, height: 60 } },
      "[image 80×60 cat.png]",
    ],
    [{ kind: "file", body: "notes", media }, "[file cat.png 3 KB] notes"],
    [{ kind: "voice", body: "", media: { ...media, durationMs: 4200 } }, "[voice 4 s]"],
    [
      { kind: "location", body: "Cafe\n1 Main St", location: { latitude: 1, longitude: 2 } },
      "[location 1, 2] Cafe — 1 Main St",
    ],
    [{ kind: "custom", body: "", custom: { type: "poll", payload: "{}" } }, "[poll]"],
    [{ forwarded: { from: "2" } }, "(forwarded) hi"],
    [{ replyTo: { msgId: "0", seq: 1, from: "2", kind: "text", text: "q?" } }, `↪ #1 "q?" hi`],
    [{ recalled: true, body: "" }, "(recalled)"],
    [{ kind: "recall", body: "", ref: "0" }, "(recalled)"],
    [{ kind: "edit", body: "", ref: "0" }, "(edited)"],
  ];
  for (const [over, want] of cases) assert.equal(describeMessage({ ...base, ...over }), want);
});
