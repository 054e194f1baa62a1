import assert from "node:assert/strict";
import {
  closeLine,
  decodeEnvelope,
  decodeRepush,
  decodeResultFields,
  decodeResults,
  deliverLine,
  encodeEnvelope,
  encodeRepush,
  encodeResultFields,
  encodeResults,
  entryTimeMs,
  type Envelope,
  ENVELOPE_FIELD,
  RESULT_FIELD,
} from "./mod.ts";

Deno.test("wire: result lines round-trip, close reasons cannot break the line format", () => {
  const frame = JSON.stringify({ type: "msg.new", data: { body: "two words\nand a newline" } });
  const payload = encodeResults([
    deliverLine(["c1", "c2"], frame),
    closeLine("c3", 4101, "replaced\nby another"),
    "garbage-without-space",
  ]);
  assert.deepEqual([...decodeResults(payload)], [
    { kind: "deliver", connIds: ["c1", "c2"], frame },
    { kind: "close", connId: "c3", code: 4101, reason: "replaced by another" },
  ]);
});

Deno.test("wire: result entries carry one trace context per line, only when some line has one", () => {
  const tp = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
  const lines = [deliverLine(["c1"], "{}"), closeLine("c2", 4100, "x"), deliverLine(["c3"], "[]")];
  assert.deepEqual(encodeResultFields(lines, [undefined, undefined]), [
    RESULT_FIELD,
    encodeResults(lines),
  ]);
  const fields = encodeResultFields(lines, [undefined, tp, tp]);
  const decoded = decodeResultFields(["other", "v", ...fields])!;
  assert.deepEqual([...decodeResults(decoded.payload, decoded.traces)], [
    { kind: "deliver", connIds: ["c1"], frame: "{}" },
    { kind: "close", connId: "c2", code: 4100, reason: "x", traceparent: tp },
    { kind: "deliver", connIds: ["c3"], frame: "[]", traceparent: tp },
  ]);
  // An entry from an older writer: no trace field, lines as before.
  assert.deepEqual(decodeResultFields([RESULT_FIELD, "p"]), { payload: "p", traces: null });
  assert.equal(decodeResultFields(["x", "y"]), null);
  assert.equal(entryTimeMs("1796163840026-3"), 1796163840026);
});

Deno.test("wire: re-push members round-trip; malformed ones are refused", () => {
  const r = {
    userId: "1",
    deviceId: "d",
    conversationId: "d:1:2",
    seq: 7,
    msgId: "99",
    attempt: 2,
  };
  assert.deepEqual(decodeRepush(encodeRepush(r)), r);
  assert.equal(decodeRepush("1|d|d:1:2|7"), null);
  assert.equal(decodeRepush("1|d|d:1:2|x|99|0"), null);
  assert.equal(decodeRepush("1|d|d:1:2|7|99|0|extra"), null);
});

Deno.test("wire: envelopes decode from their field; anything else is not one", () => {
  const env: Envelope = {
    frame: { type: "ids.fetch", data: { count: 1 } },
    userId: "1",
    deviceId: "d",
    connId: "c",
    gatewayId: "g",
    receivedAt: 1,
  };
  assert.deepEqual(decodeEnvelope(["x", "y", ENVELOPE_FIELD, encodeEnvelope(env)]), env);
  assert.equal(decodeEnvelope([ENVELOPE_FIELD, "{not json"]), null);
  assert.equal(decodeEnvelope([ENVELOPE_FIELD, JSON.stringify({ frame: {} })]), null);
  assert.equal(decodeEnvelope(["junk", "x"]), null);
});
