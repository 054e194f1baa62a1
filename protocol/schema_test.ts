import assert from "node:assert/strict";
import { literal, num, object, oneOf, optional, str } from "./schema.ts";

const shape = oneOf("kind", {
  circle: object({ kind: literal("circle"), r: num({ min: 0, max: 10 }) }),
  label: object(
    { kind: literal("label"), text: str({ max: 5 }), note: optional(str({ max: 5 })) },
    (v) => v.text === v.note ? "note must differ from text" : null,
  ),
});

Deno.test("schema: num takes finite numbers within bounds only", () => {
  const n = num({ min: -90, max: 90 });
  assert.deepEqual(n.parse(12.5), { ok: true, value: 12.5 });
  assert.equal(n.parse(-90).ok, true);
  for (const bad of [90.0001, -91, "1", null, NaN, Infinity, [1], { valueOf: () => 1 }]) {
    assert.equal(n.parse(bad, "x").ok, false, String(bad));
  }
  const r = n.parse(100, "lat");
  assert.deepEqual(!r.ok && r.issue, { path: "lat", problem: "must be between -90 and 90" });
});

Deno.test("schema: oneOf picks the variant by its tag and keeps each variant exact", () => {
  assert.deepEqual(shape.parse({ kind: "circle", r: 2 }), {
    ok: true,
    value: { kind: "circle", r: 2 },
  });
  assert.deepEqual(shape.parse({ kind: "label", text: "hi" }), {
    ok: true,
    value: { kind: "label", text: "hi" },
  });
  const fails = (v: unknown) => {
    const r = shape.parse(v, "data");
    return r.ok ? null : `${r.issue.path} ${r.issue.problem}`;
  };
  assert.equal(fails({ kind: "square" }), "data.kind must be one of circle, label");
  assert.equal(fails({ r: 1 }), "data.kind must be one of circle, label");
  assert.equal(fails({ kind: ["circle"], r: 1 }), "data.kind must be one of circle, label");
  assert.equal(fails({ kind: "toString" }), "data.kind must be one of circle, label");
  assert.equal(fails({ kind: "__proto__" }), "data.kind must be one of circle, label");
  // A field of another variant is as foreign as any unknown field.
  assert.equal(fails({ kind: "circle", r: 1, text: "x" }), "data.text is not allowed");
  assert.equal(fails({ kind: "label", text: "a", note: "a" }), "data note must differ from text");
  assert.equal(fails(null), "data must be an object");
  assert.equal(fails([]), "data must be an object");
});

Deno.test("schema: a oneOf value narrows by its tag (compile-time check)", () => {
  const r = shape.parse({ kind: "circle", r: 3 });
  assert.ok(r.ok);
  const area = r.value.kind === "circle" ? r.value.r * r.value.r : r.value.text.length;
  assert.equal(area, 9);
});
