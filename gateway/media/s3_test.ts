/**
 * The S3 path end to end against a real S3-compatible server (s3rver, a child process on
 * loopback): uploads and downloads through the gateway, and an outage in the middle of an
 * upload, which must answer a clear error and leave no object, no row, nothing to send.
 */
import assert from "node:assert/strict";
import { ErrorCode } from "@im/protocol";
import { startSystem, TestSocket } from "../test_support.ts";
import { S3Storage } from "./s3.ts";
import { S3rverProcess } from "./testing/s3rver.ts";
import { png, slowBody, upload } from "./testing/fixtures.ts";

const MiB = 1024 * 1024;

Deno.test({
  name: "media on S3: upload, thumbnail and download; an outage mid-upload leaves nothing",
  sanitizeResources: false, // the S3 client keeps sockets alive
  sanitizeOps: false,
  async fn() {
    const s3 = await S3rverProcess.start();
    const o = s3.options;
    const sys = await startSystem({
      mediaS3Bucket: o.bucket,
      mediaS3Endpoint: o.endpoint,
      mediaS3AccessKey: o.accessKeyId,
      mediaS3SecretKey: o.secretAccessKey,
    });
    try {
      const base = `http://127.0.0.1:${sys.gateways[0].port}`;
      const [alice, bob] = [await sys.register("alice"), await sys.register("bob")];
      const d = `d:${alice.userId}:${bob.userId}`;
      const image = await png(1200, 900);
      const img = await upload(base, alice.accessToken, {
        conversationId: d,
        kind: "image",
        name: "p.png",
      }, image);
      assert.equal(img.status, 201);
      assert.deepEqual(img.json.thumb, { width: 320, height: 240 });
      const big = await upload(base, alice.accessToken, {
        conversationId: d,
        kind: "file",
        name: "big.bin",
      }, slowBody(12 * MiB));
      assert.equal(big.status, 201);
      const store = new S3Storage(o);
      assert.equal((await store.list()).length, 3, "original, thumbnail, file");

      const a = await TestSocket.open(
        `ws://127.0.0.1:${sys.gateways[0].port}/ws`,
        alice.accessToken,
      );
      await a.request({
        type: "msg.send",
        id: "s1",
        data: { to: bob.userId, clientMsgId: "s1", kind: "file", mediaId: big.json.mediaId },
      }, "msg.sent");
      const got = await fetch(`${base}/v1/media/${big.json.mediaId}`, {
        headers: { authorization: `Bearer ${bob.accessToken}` },
      });
      const bytes = new Uint8Array(await got.arrayBuffer());
      // slowBody fills each MiB with (its offset mod 251).
      assert.deepEqual(
        [got.status, bytes.length, bytes[MiB], bytes[12 * MiB - 1]],
        [200, 12 * MiB, MiB % 251, (11 * MiB) % 251],
      );
      const range = await fetch(`${base}/v1/media/${big.json.mediaId}`, {
        headers: { authorization: `Bearer ${bob.accessToken}`, range: `bytes=${6 * MiB}-` },
      });
      assert.deepEqual([range.status, (await range.arrayBuffer()).byteLength], [206, 6 * MiB]);

      // The store dies after 7 MiB of a 20 MiB upload.
      const before = await store.list();
      const rows = (await sys.env.db.selectFrom("media").selectAll().execute()).length;
      let killed = false;
      const outage = await upload(
        base,
        alice.accessToken,
        { conversationId: d, kind: "file", name: "doomed.bin" },
        slowBody(20 * MiB, {
          pauseMs: 20,
          onProgress: async (sent) => {
            if (sent >= 7 * MiB && !killed) (killed = true, await s3.kill());
          },
        }),
      ).catch((err) => ({ status: 0, json: { error: { code: String(err) } } }));
      assert.deepEqual([outage.status, outage.json.error.code], [503, ErrorCode.UNAVAILABLE]);
      // Downloads meanwhile say the same, clearly.
      const down = await fetch(`${base}/v1/media/${big.json.mediaId}`, {
        headers: { authorization: `Bearer ${bob.accessToken}` },
      });
      assert.deepEqual([down.status, (await down.json()).error.code], [503, ErrorCode.UNAVAILABLE]);
      await s3.start();
      assert.deepEqual(await store.list(), before, "no half object");
      assert.equal(
        (await sys.env.db.selectFrom("media").selectAll().execute()).length,
        rows,
        "no row",
      );
      await a.close();
    } finally {
      await sys.close();
      await s3.stop();
    }
  },
});
