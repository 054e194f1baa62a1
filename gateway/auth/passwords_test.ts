import assert from "node:assert/strict";
import {
  ARGON2_PARAMS,
  burnVerify,
  constantTimeEqual,
  DUMMY_HASH,
  hashPassword,
  isValidPassword,
  isValidUsername,
  verifyPassword,
} from "./passwords.ts";

Deno.test("username policy: 3..32 of [a-z0-9_]", () => {
  for (const ok of ["abc", "a_1", "z".repeat(32), "user_42"]) assert.ok(isValidUsername(ok), ok);
  for (const bad of ["ab", "z".repeat(33), "Alice", "al ice", "al-ice", "al.ice", "ünï", ""]) {
    assert.ok(!isValidUsername(bad), bad);
  }
});

Deno.test("password policy: 8..128 characters, counted as code points", () => {
  assert.ok(isValidPassword("12345678"));
  assert.ok(isValidPassword("x".repeat(128)));
  assert.ok(!isValidPassword("1234567"));
  assert.ok(!isValidPassword("x".repeat(129)));
  // 8 emoji are 16 UTF-16 units but 8 characters; 65 emoji are 130 units but 65 characters.
  assert.ok(isValidPassword("😀".repeat(8)));
  assert.ok(!isValidPassword("😀".repeat(7)));
  assert.ok(isValidPassword("😀".repeat(65)));
});

Deno.test("hashPassword stores argon2id with its parameters; verify accepts only the password", async () => {
  const encoded = await hashPassword("correct horse");
  const { memorySize: m, iterations: t, parallelism: p } = ARGON2_PARAMS;
  assert.match(encoded, new RegExp(`^\\$argon2id\\$v=19\\$m=${m},t=${t},p=${p}\\$`));
  assert.equal(await verifyPassword(encoded, "correct horse"), true);
  assert.equal(await verifyPassword(encoded, "correct horsf"), false);
});

Deno.test("two hashes of one password differ (random salt)", async () => {
  assert.notEqual(await hashPassword("same password"), await hashPassword("same password"));
});

Deno.test("the dummy hash uses the current parameters, so burning costs a real verify", () => {
  const { memorySize: m, iterations: t, parallelism: p } = ARGON2_PARAMS;
  assert.ok(DUMMY_HASH.startsWith(`$argon2id$v=19$m=${m},t=${t},p=${p}$`));
});

Deno.test("burnVerify is false and spends about one verify", async () => {
  const start = performance.now();
  assert.equal(await burnVerify("whatever"), false);
  // argon2 at 19 MiB takes tens of ms; a skipped verify takes well under one.
  assert.ok(performance.now() - start > 10);
});

Deno.test("verifyPassword refuses malformed or hostile encodings without hashing", async () => {
  const salt = "yHw/fS3jG785dOef2H+WhQ";
  const hash = "/dHh4dU90ASSacc7fWWPO1h6TUTeA1E6OKYgQdFi8lc";
  for (
    const bad of [
      "",
      "plaintext",
      `$argon2i$v=19$m=19456,t=2,p=1$${salt}$${hash}`,
      `$argon2id$v=16$m=19456,t=2,p=1$${salt}$${hash}`,
      `$argon2id$v=19$m=999999,t=2,p=1$${salt}$${hash}`,
      `$argon2id$v=19$m=19456,t=0,p=1$${salt}$${hash}`,
      `$argon2id$v=19$m=19456,t=2,p=1$${salt}`,
    ]
  ) {
    const start = performance.now();
    assert.equal(await verifyPassword(bad, "x"), false, bad);
    assert.ok(performance.now() - start < 10, `hashed for ${bad}`);
  }
});

Deno.test("constantTimeEqual", () => {
  const a = new Uint8Array([1, 2, 3]);
  assert.ok(constantTimeEqual(a, new Uint8Array([1, 2, 3])));
  assert.ok(!constantTimeEqual(a, new Uint8Array([1, 2, 4])));
  assert.ok(!constantTimeEqual(a, new Uint8Array([1, 2])));
});
