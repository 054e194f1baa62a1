import assert from "node:assert/strict";
import { Emitter } from "./emitter.ts";

type Events = { a: number; b: string };

Deno.test("emitter delivers typed payloads; off and once unsubscribe", () => {
  const e = new Emitter<Events>();
  const got: unknown[] = [];
  const off = e.on("a", (n) => got.push(n));
  e.once("b", (s) => got.push(s));
  e.emit("a", 1);
  e.emit("b", "x");
  e.emit("b", "y");
  off();
  e.emit("a", 2);
  assert.deepEqual(got, [1, "x"]);
  assert.equal(e.listenerCount("a"), 0);
});

Deno.test("a throwing listener does not stop the others", () => {
  const e = new Emitter<Events>();
  const original = console.error;
  console.error = () => {};
  try {
    let reached = false;
    e.on("a", () => {
      throw new Error("boom");
    });
    e.on("a", () => (reached = true));
    e.emit("a", 1);
    assert.ok(reached);
  } finally {
    console.error = original;
  }
});
