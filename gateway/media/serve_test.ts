import assert from "node:assert/strict";
import { parseRange } from "./serve.ts";
import { checkName } from "./detect.ts";
import { LinkSigner } from "./links.ts";
import { ErrorCode } from "@im/protocol";

Deno.test("media: byte ranges (pure)", () => {
  assert.deepEqual(parseRange("bytes=0-9", 100), { start: 0, end: 9 });
  assert.deepEqual(parseRange("bytes=90-", 100), { start: 90, end: 99 });
  assert.deepEqual(parseRange("bytes=-10", 100), { start: 90, end: 99 });
  assert.deepEqual(parseRange("bytes=50-500", 100), { start: 50, end: 99 });
  assert.equal(parseRange("bytes=100-", 100), "unsatisfiable");
  assert.equal(parseRange("bytes=9-3", 100), "unsatisfiable");
  assert.equal(parseRange("bytes=0-1,5-6", 100), null, "several ranges: the whole object");
  assert.equal(parseRange("items=0-1", 100), null);
});

Deno.test("media: names are shown, never used as paths (pure)", () => {
  for (const ok of ["photo.png", "Résumé 2026.pdf", "写真.jpg", "a..b", ".hidden"]) {
    assert.equal(checkName(ok), ok);
  }
  for (const bad of ["", " ", ".", "..", "../x", "x/..", "a\\b", "a\u0000", "a\nb", "\ud800"]) {
    assert.equal(checkName(bad), null, JSON.stringify(bad));
  }
});

Deno.test("media: signed links are bound to media, variant, user and expiry", async () => {
  let now = 1_000_000;
  const signer = new LinkSigner("s".repeat(40), 60_000, () => now);
  const { url, expiresAt } = await signer.sign("42", "original", "7");
  assert.equal(expiresAt, 1_060_000);
  const q = Object.fromEntries(new URL(url, "http://x").searchParams);
  assert.deepEqual(await signer.verify("42", "original", q), { ok: true, userId: "7" });
  const code = async (id: string, v: "original" | "thumb", qq: Record<string, string>) => {
    const r = await signer.verify(id, v, qq);
    return r.ok ? "ok" : r.code;
  };
  assert.equal(await code("43", "original", q), ErrorCode.MEDIA_LINK_INVALID);
  assert.equal(await code("42", "thumb", q), ErrorCode.MEDIA_LINK_INVALID);
  assert.equal(await code("42", "original", { ...q, u: "8" }), ErrorCode.MEDIA_LINK_INVALID);
  assert.equal(
    await code("42", "original", { ...q, exp: "9999999999999" }),
    ErrorCode.MEDIA_LINK_INVALID,
  );
  assert.equal(await code("42", "original", { ...q, sig: "x" }), ErrorCode.MEDIA_LINK_INVALID);
  assert.equal(await code("42", "original", {}), ErrorCode.MEDIA_LINK_INVALID);
  const other = new LinkSigner("t".repeat(40), 60_000, () => now);
  assert.equal((await other.verify("42", "original", q)).ok, false, "another secret");
  now = 1_060_001;
  assert.equal(await code("42", "original", q), ErrorCode.MEDIA_LINK_EXPIRED);
});
