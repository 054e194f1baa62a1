import assert from "node:assert/strict";
import { ErrorCode } from "@im/protocol";
import { PermanentError } from "@im/shared/errors";
import { testEnv } from "@im/shared/testing";
import { issueRefresh, parseRefreshToken, revokeFamily, rotateRefresh } from "./refresh.ts";
import type { Executor } from "./refresh.ts";

const T0 = 1_700_000_000_000;
const TTL = 3600;

async function assertInvalid(p: Promise<unknown>) {
  await assert.rejects(
    p,
    (e) => e instanceof PermanentError && e.code === ErrorCode.REFRESH_INVALID,
  );
}

async function rows(db: Executor, familyId: string) {
  return await db.selectFrom("refresh_tokens").selectAll().where("family_id", "=", familyId)
    .orderBy("created_at").execute();
}

Deno.test("refresh token shape: <32 hex>.<43 base64url>; only the secret's sha256 is stored", async () => {
  const env = await testEnv();
  try {
    const r = await issueRefresh(env.db, { userId: "7", deviceId: "d1", ttlSec: TTL, now: T0 });
    const parsed = parseRefreshToken(r.token);
    assert.ok(parsed, r.token);
    const [row] = await rows(env.db, r.familyId);
    assert.equal(row.id, parsed.id);
    assert.notEqual(row.secret_hash, parsed.secret);
    assert.match(row.secret_hash, /^[0-9a-f]{64}$/);
    assert.equal(row.expires_at, String(T0 + TTL * 1000));
  } finally {
    await env.close();
  }
});

Deno.test("rotate spends the token and issues the next in the same family; reuse revokes the family", async () => {
  const env = await testEnv();
  try {
    const first = await issueRefresh(env.db, { userId: "7", deviceId: "d1", ttlSec: TTL, now: T0 });
    const r1 = await rotateRefresh(env.db, first.token, T0 + 1000, TTL);
    assert.equal(r1.kind, "rotated");
    if (r1.kind !== "rotated") return;
    assert.deepEqual([r1.userId, r1.deviceId, r1.familyId], ["7", "d1", first.familyId]);
    assert.equal(r1.next.familyId, first.familyId);
    assert.equal(r1.next.expiresAt, T0 + 1000 + TTL * 1000);

    const reuse = await rotateRefresh(env.db, first.token, T0 + 2000, TTL);
    assert.deepEqual(reuse, {
      kind: "reused",
      userId: "7",
      deviceId: "d1",
      familyId: first.familyId,
    });
    assert.ok(
      (await rows(env.db, first.familyId)).every((r) => r.revoked_at === String(T0 + 2000)),
    );
    // The successor the thief (or the victim) holds is dead too.
    await assertInvalid(rotateRefresh(env.db, r1.next.token, T0 + 3000, TTL));
  } finally {
    await env.close();
  }
});

Deno.test("rotate refuses unknown, wrong-secret, expired and revoked tokens", async () => {
  const env = await testEnv();
  try {
    const a = await issueRefresh(env.db, { userId: "7", deviceId: "d1", ttlSec: TTL, now: T0 });
    const { id } = parseRefreshToken(a.token)!;
    await assertInvalid(rotateRefresh(env.db, "garbage", T0, TTL));
    await assertInvalid(rotateRefresh(env.db, `${"0".repeat(32)}.${"A".repeat(43)}`, T0, TTL));
    // A wrong secret for a real id is not proof of possession: no reuse, nothing revoked.
    await assertInvalid(rotateRefresh(env.db, `${id}.${"A".repeat(43)}`, T0, TTL));
    assert.equal((await rows(env.db, a.familyId))[0].revoked_at, null);
    await assertInvalid(rotateRefresh(env.db, a.token, T0 + TTL * 1000, TTL));
    assert.equal((await rows(env.db, a.familyId))[0].used_at, null);

    const b = await issueRefresh(env.db, { userId: "8", deviceId: "d2", ttlSec: TTL, now: T0 });
    assert.equal(await revokeFamily(env.db, b.familyId, T0 + 1), 1);
    await assertInvalid(rotateRefresh(env.db, b.token, T0 + 2, TTL));
  } finally {
    await env.close();
  }
});

Deno.test("rotate joins a caller's transaction (rolled back with it)", async () => {
  const env = await testEnv();
  try {
    const a = await issueRefresh(env.db, { userId: "7", deviceId: "d1", ttlSec: TTL, now: T0 });
    await assert.rejects(
      env.db.transaction().execute(async (tx) => {
        assert.equal((await rotateRefresh(tx, a.token, T0 + 1, TTL)).kind, "rotated");
        throw new Error("caller aborts");
      }),
      /caller aborts/,
    );
    assert.equal((await rotateRefresh(env.db, a.token, T0 + 2, TTL)).kind, "rotated");
  } finally {
    await env.close();
  }
});
