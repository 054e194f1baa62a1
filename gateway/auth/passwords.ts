/**
 * Password storage: argon2id with OWASP's minimum (19 MiB, t=2, p=1), parameters kept in the
 * encoded hash so they can be raised later without breaking stored accounts.
 */
import { argon2id } from "hash-wasm";

/** hash-wasm's argon2id, or the same function run off the event loop (argon2_pool.ts). */
export type Argon2 = typeof argon2id;

export const ARGON2_PARAMS = {
  memorySize: 19456,
  iterations: 2,
  parallelism: 1,
  hashLength: 32,
} as const;

export const USERNAME_PATTERN = /^[a-z0-9_]{3,32}$/;
export const PASSWORD_MIN_CHARS = 8;
export const PASSWORD_MAX_CHARS = 128;

export function isValidUsername(username: string): boolean {
  return USERNAME_PATTERN.test(username);
}

/** Counts code points, not UTF-16 units, so an emoji is one character as the user sees it. */
export function isValidPassword(password: string): boolean {
  const chars = [...password].length;
  return chars >= PASSWORD_MIN_CHARS && chars <= PASSWORD_MAX_CHARS;
}

export async function hashPassword(password: string, run: Argon2 = argon2id): Promise<string> {
  return await run({
    ...ARGON2_PARAMS,
    password,
    salt: crypto.getRandomValues(new Uint8Array(16)),
    outputType: "encoded",
  });
}

// Bounds keep a corrupted or hostile row from asking for gigabytes of memory.
const ENCODED =
  /^\$argon2id\$v=19\$m=(\d{1,6}),t=(\d{1,2}),p=(\d{1,2})\$([A-Za-z0-9+/]{11,88})\$([A-Za-z0-9+/]{22,88})$/;
const MAX_MEMORY_KIB = 262144;

/**
 * True when `password` matches `encoded`. hash-wasm's argon2Verify compares with `===`, so the
 * hash is recomputed here and compared in constant time instead.
 */
export async function verifyPassword(
  encoded: string,
  password: string,
  run: Argon2 = argon2id,
): Promise<boolean> {
  const m = ENCODED.exec(encoded);
  if (!m) return false;
  const [memorySize, iterations, parallelism] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (
    parallelism < 1 || iterations < 1 || memorySize < 8 * parallelism ||
    memorySize > MAX_MEMORY_KIB
  ) return false;
  const salt = Uint8Array.fromBase64(m[4], { lastChunkHandling: "loose" });
  const expected = Uint8Array.fromBase64(m[5], { lastChunkHandling: "loose" });
  const actual = await run({
    password,
    salt,
    memorySize,
    iterations,
    parallelism,
    hashLength: expected.length,
    outputType: "binary",
  });
  return constantTimeEqual(actual, expected);
}

/**
 * A hash of a random password nobody knows, with the current parameters (a test keeps them in
 * step). Verifying against it costs what a real verify costs, so an unknown username answers as
 * slowly as a wrong password.
 */
export const DUMMY_HASH =
  "$argon2id$v=19$m=19456,t=2,p=1$yHw/fS3jG785dOef2H+WhQ$/dHh4dU90ASSacc7fWWPO1h6TUTeA1E6OKYgQdFi8lc";

/** Spends one verify's worth of time and always answers false. */
export async function burnVerify(password: string, run: Argon2 = argon2id): Promise<false> {
  await verifyPassword(DUMMY_HASH, password, run);
  return false;
}

export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
  return diff === 0;
}
