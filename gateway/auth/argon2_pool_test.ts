import assert from "node:assert/strict";
import { Argon2Pool } from "./argon2_pool.ts";
import { hashPassword, verifyPassword } from "./passwords.ts";

Deno.test("argon2 pool: hashes off the event loop, compatible with the in-thread verify", async () => {
  const pool = new Argon2Pool();
  try {
    let ticks = 0;
    const t = setInterval(() => ticks++, 5);
    const encoded = await hashPassword("correct horse battery", pool.run);
    clearInterval(t);
    // In-thread, argon2id holds the loop for its whole run (~80 ms) and no tick fires.
    assert.ok(ticks >= 3, `the event loop kept turning (${ticks} ticks)`);
    assert.equal(await verifyPassword(encoded, "correct horse battery"), true);
    assert.equal(await verifyPassword(encoded, "wrong horse battery", pool.run), false);
    assert.equal(await verifyPassword(encoded, "correct horse battery", pool.run), true);
  } finally {
    pool.close();
  }
});

Deno.test("argon2 pool: close rejects work in flight and a later call starts a new worker", async () => {
  const pool = new Argon2Pool();
  try {
    const inFlight = hashPassword("p4ssw0rd-one", pool.run);
    pool.close();
    await assert.rejects(inFlight, /closed/);
    assert.match(await hashPassword("p4ssw0rd-two", pool.run), /^\$argon2id\$/);
  } finally {
    pool.close();
  }
});
