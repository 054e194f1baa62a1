/**
 * One conformance suite for both storage implementations: local disk, and S3 against a real
 * S3-compatible server (s3rver from npm, on loopback). All or nothing: a stream that fails
 * midway leaves no object behind.
 */
import assert from "node:assert/strict";
import { LocalStorage, type MediaStorage, newKey } from "./storage.ts";
import { S3Storage } from "./s3.ts";
import { S3rverProcess } from "./testing/s3rver.ts";

const MiB = 1024 * 1024;

function chunks(total: number, failAt?: number): ReadableStream<Uint8Array> {
  let sent = 0;
  return new ReadableStream({
    pull(c) {
      if (failAt !== undefined && sent >= failAt) return c.error(new Error("client went away"));
      if (sent >= total) return c.close();
      const n = Math.min(256 * 1024, total - sent);
      const chunk = new Uint8Array(n);
      for (let i = 0; i < n; i++) chunk[i] = (sent + i) % 251;
      sent += n;
      c.enqueue(chunk);
    },
  });
}

async function bytes(s: ReadableStream<Uint8Array> | null): Promise<Uint8Array> {
  assert.ok(s, "object exists");
  return new Uint8Array(await new Response(s).arrayBuffer());
}

async function conformance(t: Deno.TestContext, store: MediaStorage) {
  await t.step("put then get, whole and by range, across multipart sizes", async () => {
    for (const size of [0, 10, 6 * MiB + 3]) {
      const key = newKey("o");
      await store.put(key, chunks(size), "application/octet-stream");
      const all = await bytes(await store.get(key));
      assert.equal(all.length, size);
      if (size > 0) assert.equal(all[size - 1], (size - 1) % 251);
      if (size > 100) {
        const part = await bytes(await store.get(key, { start: 5, end: 104 }));
        assert.deepEqual([part.length, part[0], part[99]], [100, 5, 104]);
      }
    }
  });
  await t.step("a stream that fails midway leaves nothing", async () => {
    const before = await store.list();
    for (const failAt of [MiB, 7 * MiB]) {
      const key = newKey("o");
      await assert.rejects(store.put(key, chunks(12 * MiB, failAt), "application/octet-stream"));
      assert.equal(await store.get(key), null);
    }
    assert.deepEqual(await store.list(), before);
  });
  await t.step(
    "missing objects are null; delete is idempotent; keys are the server's",
    async () => {
      const key = newKey("t");
      assert.equal(await store.get(key), null);
      await store.put(key, chunks(5), "image/webp");
      await store.delete(key);
      await store.delete(key);
      assert.equal(await store.get(key), null);
      await assert.rejects(store.get("../../etc/passwd"), /not a media key/);
      await assert.rejects(store.put("o/202601/../x", chunks(1), "x"), /not a media key/);
    },
  );
}

Deno.test("storage: local disk", async (t) => {
  const dir = await Deno.makeTempDir({ prefix: "media-" });
  try {
    await conformance(t, new LocalStorage(dir));
    const leftovers = [...Deno.readDirSync(`${dir}/.tmp`)];
    assert.deepEqual(leftovers, [], "no temporary files left");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test({
  name: "storage: S3 (s3rver)",
  sanitizeResources: false, // the SDK keeps sockets alive past a step
  sanitizeOps: false,
  async fn(t) {
    const s3 = await S3rverProcess.start();
    try {
      await conformance(t, new S3Storage(s3.options));
    } finally {
      await s3.stop();
    }
  },
});
