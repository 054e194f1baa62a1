/**
 * Media through a real gateway and worker (in-process) on real Redis and MariaDB, local disk
 * storage in a temporary MEDIA_DIR: upload, send, download by token and by signed link, who may
 * fetch (members within their window only), and every kind of bad upload leaving nothing behind.
 */
import assert from "node:assert/strict";
import sharp from "sharp";
import { ErrorCode } from "@im/protocol";
import { type Session, startSystem, type System, TestSocket } from "../test_support.ts";
import { elf, exe, png, pngBomb, slowBody, upload } from "./testing/fixtures.ts";

const base = (sys: System) => `http://127.0.0.1:${sys.gateways[0].port}`;
const open = (s: Session, sys: System) =>
  TestSocket.open(`ws://127.0.0.1:${sys.gateways[0].port}/ws`, s.accessToken);
const get = (sys: System, path: string, token?: string, headers: Record<string, string> = {}) =>
  fetch(`${base(sys)}${path}`, {
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
  });
async function code(r: Response) {
  return [r.status, (await r.json()).error.code];
}
let n = 0;
const send = (data: Record<string, unknown>) => {
  const id = `m${++n}`;
  return { type: "msg.send", id, data: { clientMsgId: id, ...data } };
};
/** Every file under the media directory, temporary and spool files included. */
async function files(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (rel: string) => {
    for await (const e of Deno.readDir(`${dir}/${rel}`)) {
      if (e.isDirectory) await walk(`${rel}${e.name}/`);
      else out.push(`${rel}${e.name}`);
    }
  };
  await walk("");
  return out;
}
async function group(sys: System, id: string, members: string[]) {
  const conv = `g:${id}`;
  await sys.env.db.insertInto("conversations").values({
    id: conv,
    kind: "group",
    last_seq: 0,
    created_at: 1,
    updated_at: 1,
  }).execute();
  await sys.env.db.insertInto("conversation_members")
    .values(members.map((u) => ({ conversation_id: conv, user_id: u, joined_at: 1 }))).execute();
  return conv;
}

Deno.test("media: upload an image, send it; members fetch it and its thumbnail, others do not", async () => {
  const sys = await startSystem();
  try {
    const [alice, bob, carol] = [
      await sys.register("alice"),
      await sys.register("bob"),
      await sys.register("carol"),
    ];
    const d = `d:${alice.userId}:${bob.userId}`;
    const image = await png(800, 600);
    const up = await upload(base(sys), alice.accessToken, {
      conversationId: d,
      kind: "image",
      name: "holiday.jpg", // the name says jpg; the content decides
    }, image);
    assert.equal(up.status, 201);
    assert.deepEqual(
      { ...up.json, mediaId: "x" },
      {
        mediaId: "x",
        mime: "image/png",
        size: image.length,
        name: "holiday.jpg",
        width: 800,
        height: 600,
        thumb: { width: 320, height: 240 },
      },
    );
    const id = up.json.mediaId;
    // Before it is sent, only the uploader may fetch it.
    assert.equal((await get(sys, `/v1/media/${id}`, alice.accessToken)).status, 200);
    assert.deepEqual(await code(await get(sys, `/v1/media/${id}`, bob.accessToken)), [
      404,
      ErrorCode.MEDIA_NOT_FOUND,
    ]);

    const a = await open(alice, sys), b = await open(bob, sys);
    const sent = await a.request(
      send({ to: bob.userId, kind: "image", mediaId: id, body: "beach" }),
      "msg.sent",
    );
    assert.deepEqual(sent.data.message.media, up.json);
    const pushed = await b.next("msg.new");
    assert.deepEqual([pushed.data.kind, pushed.data.body, pushed.data.media], [
      "image",
      "beach",
      up.json,
    ]);

    const whole = await get(sys, `/v1/media/${id}`, bob.accessToken);
    assert.equal(whole.headers.get("content-type"), "image/png");
    assert.equal(whole.headers.get("x-content-type-options"), "nosniff");
    assert.deepEqual(new Uint8Array(await whole.arrayBuffer()), image);
    const part = await get(sys, `/v1/media/${id}`, bob.accessToken, { range: "bytes=0-7" });
    assert.equal(part.status, 206);
    assert.equal(part.headers.get("content-range"), `bytes 0-7/${image.length}`);
    assert.deepEqual([...new Uint8Array(await part.arrayBuffer())], [
      137,
      80,
      78,
      71,
      13,
      10,
      26,
      10,
    ]);
    const thumb = await get(sys, `/v1/media/${id}/thumb`, bob.accessToken);
    assert.equal(thumb.headers.get("content-type"), "image/webp");
    const meta = await sharp(new Uint8Array(await thumb.arrayBuffer())).metadata();
    assert.deepEqual([meta.format, meta.width, meta.height], ["webp", 320, 240]);

    // A stranger: the same answer as for media that does not exist.
    assert.deepEqual(await code(await get(sys, `/v1/media/${id}`, carol.accessToken)), [
      404,
      ErrorCode.MEDIA_NOT_FOUND,
    ]);
    assert.deepEqual(await code(await get(sys, `/v1/media/99999999`, carol.accessToken)), [
      404,
      ErrorCode.MEDIA_NOT_FOUND,
    ]);
    assert.deepEqual(await code(await get(sys, `/v1/media/${id}`)), [401, ErrorCode.UNAUTHORIZED]);
    assert.deepEqual(
      await code(await get(sys, `/v1/media/..%2f..%2fetc%2fpasswd`, bob.accessToken)),
      [404, ErrorCode.MEDIA_NOT_FOUND],
    );
    const linkFor = (s: Session) =>
      fetch(`${base(sys)}/v1/media/${id}/link`, {
        method: "POST",
        headers: { authorization: `Bearer ${s.accessToken}` },
      });
    assert.deepEqual(await code(await linkFor(carol)), [404, ErrorCode.MEDIA_NOT_FOUND]);

    // Signed links: no token needed; altered ones are refused.
    const link = await (await linkFor(bob)).json();
    assert.ok(link.url.startsWith(`/v1/media/${id}?u=${bob.userId}&exp=`));
    assert.ok(link.thumbUrl.startsWith(`/v1/media/${id}/thumb?`));
    assert.deepEqual(new Uint8Array(await (await get(sys, link.url)).arrayBuffer()), image);
    assert.equal((await get(sys, link.thumbUrl)).status, 200);
    const forged = link.url.replace(`u=${bob.userId}`, `u=${carol.userId}`);
    assert.deepEqual(await code(await get(sys, forged)), [403, ErrorCode.MEDIA_LINK_INVALID]);
    const swapped = link.thumbUrl.replace("/thumb?", "?"); // a thumb link is not the original's
    assert.deepEqual(await code(await get(sys, swapped)), [403, ErrorCode.MEDIA_LINK_INVALID]);

    // A media id of another conversation (or another user's upload) cannot be put in a message.
    const c = await open(carol, sys);
    const err = await c.request(send({ to: bob.userId, kind: "image", mediaId: id }), "error");
    assert.equal(err.data.code, ErrorCode.MEDIA_INVALID);

    // Recalled: nobody fetches it through that message any more.
    await a.request(
      { type: "msg.recall", id: "rc", data: { msgId: sent.data.msgId } },
      "msg.recalled",
    );
    assert.deepEqual(await code(await get(sys, `/v1/media/${id}`, bob.accessToken)), [
      404,
      ErrorCode.MEDIA_NOT_FOUND,
    ]);
    assert.deepEqual(await code(await get(sys, link.url)), [404, ErrorCode.MEDIA_NOT_FOUND]);
    await Promise.all([a.close(), b.close(), c.close()]);
  } finally {
    await sys.close();
  }
});

Deno.test("media: a former member and an expired link are refused; a forward opens it to the new conversation", async () => {
  const sys = await startSystem({ mediaLinkTtlSec: 1 });
  try {
    const [alice, bob, carol, dave] = [
      await sys.register("alice"),
      await sys.register("bob"),
      await sys.register("carol"),
      await sys.register("dave"),
    ];
    const g = await group(sys, "77", [alice.userId, bob.userId, carol.userId]);
    const up = await upload(base(sys), alice.accessToken, {
      conversationId: g,
      kind: "file",
      name: "notes.txt",
    }, "plain text notes");
    assert.equal(up.status, 201);
    assert.equal(up.json.mime, "application/octet-stream");
    const id = up.json.mediaId;
    const a = await open(alice, sys), cs = await open(carol, sys);
    const sent = await a.request(
      send({ conversationId: g, kind: "file", mediaId: id }),
      "msg.sent",
    );
    const r = await get(sys, `/v1/media/${id}`, carol.accessToken);
    assert.equal(
      r.headers.get("content-disposition"),
      `attachment; filename="notes.txt"; filename*=UTF-8''notes.txt`,
    );
    assert.equal(await r.text(), "plain text notes");
    const link = await (await fetch(`${base(sys)}/v1/media/${id}/link`, {
      method: "POST",
      headers: { authorization: `Bearer ${carol.accessToken}` },
    })).json();
    assert.equal((await get(sys, link.url)).status, 200);

    // carol forwards it to dave: now dave may fetch it too.
    const fwd = await cs.request(
      send({ to: dave.userId, kind: "forward", source: sent.data.msgId }),
      "msg.sent",
    );
    assert.deepEqual([fwd.data.message.kind, fwd.data.message.forwarded], ["file", {
      from: alice.userId,
    }]);
    assert.equal((await get(sys, `/v1/media/${id}`, dave.accessToken)).status, 200);

    // carol leaves the group: her token and her still-fresh link stop working at once.
    await sys.env.db.updateTable("conversation_members").set({ left_seq: 5 })
      .where("conversation_id", "=", g).where("user_id", "=", carol.userId).execute();
    await sys.env.db.deleteFrom("conversation_members").where("conversation_id", "like", "d:%")
      .where("user_id", "=", carol.userId).execute();
    assert.deepEqual(await code(await get(sys, `/v1/media/${id}`, carol.accessToken)), [
      404,
      ErrorCode.MEDIA_NOT_FOUND,
    ]);
    assert.deepEqual(await code(await get(sys, link.url)), [404, ErrorCode.MEDIA_NOT_FOUND]);

    const bobLink = await (await fetch(`${base(sys)}/v1/media/${id}/link`, {
      method: "POST",
      headers: { authorization: `Bearer ${bob.accessToken}` },
    })).json();
    await new Promise((res) => setTimeout(res, 1100));
    assert.deepEqual(await code(await get(sys, bobLink.url)), [403, ErrorCode.MEDIA_LINK_EXPIRED]);
    await Promise.all([a.close(), cs.close()]);
  } finally {
    await sys.close();
  }
});

Deno.test("media: bad uploads get their documented error and leave nothing on disk", async () => {
  const sys = await startSystem({
    mediaMaxFileBytes: 3 * 1024 * 1024,
    mediaMaxImagePixels: 40_000_000,
  });
  try {
    const [alice, bob, carol] = [
      await sys.register("alice"),
      await sys.register("bob"),
      await sys.register("carol"),
    ];
    const d = `d:${alice.userId}:${bob.userId}`;
    const up = (
      q: Record<string, string>,
      body: BodyInit | ReadableStream<Uint8Array>,
      token: string | null = alice.accessToken,
      h = {},
    ) => upload(base(sys), token, { conversationId: d, ...q }, body, h);
    const refused = async (p: Promise<{ status: number; json: { error: { code: number } } }>) => {
      const r = await p;
      return [r.status, r.json.error.code];
    };
    const MiB = 1024 * 1024;
    assert.deepEqual(
      await refused(up({ kind: "file", name: "big.bin" }, new Uint8Array(4 * MiB))),
      [413, ErrorCode.MEDIA_TOO_LARGE],
    );
    // No Content-Length: refused while streaming, once past the limit.
    let sent = 0;
    const streamed = await refused(
      up(
        { kind: "file", name: "big.bin" },
        slowBody(40 * MiB, {
          chunk: 256 * 1024,
          onProgress: (s) => void (sent = s),
        }),
      ),
    );
    assert.deepEqual(streamed, [413, ErrorCode.MEDIA_TOO_LARGE]);
    assert.ok(sent < 40 * MiB, `stopped reading early (${sent} bytes pulled)`);
    assert.deepEqual(await refused(up({ kind: "image", name: "cat.png" }, elf())), [
      415,
      ErrorCode.MEDIA_TYPE_FORBIDDEN,
    ]);
    assert.deepEqual(await refused(up({ kind: "image", name: "cat.png" }, exe())), [
      415,
      ErrorCode.MEDIA_TYPE_FORBIDDEN,
    ]);
    assert.deepEqual(await refused(up({ kind: "file", name: "setup.exe" }, exe())), [
      415,
      ErrorCode.MEDIA_TYPE_FORBIDDEN,
    ]);
    assert.deepEqual(
      await refused(up({ kind: "image", name: "cat.png" }, "#!/bin/sh\nrm -rf /\n")),
      [415, ErrorCode.MEDIA_TYPE_MISMATCH],
    );
    assert.deepEqual(
      await refused(up({ kind: "voice", name: "v.ogg", durationMs: "1000" }, await png(10, 10))),
      [415, ErrorCode.MEDIA_TYPE_MISMATCH],
    );
    assert.deepEqual(await refused(up({ kind: "image", name: "bomb.png" }, pngBomb())), [
      422,
      ErrorCode.MEDIA_IMAGE_INVALID,
    ]);
    assert.deepEqual(
      await refused(up({ kind: "image", name: "broken.png" }, (await png(50, 50)).slice(0, 60))),
      [422, ErrorCode.MEDIA_IMAGE_INVALID],
    );
    for (
      const name of [
        "../../etc/passwd",
        "a/b.png",
        "a\\b.png",
        "nul\u0000.png",
        "..",
        "",
        "x".repeat(256),
      ]
    ) {
      assert.deepEqual(await refused(up({ kind: "file", name }, "x")), [
        400,
        ErrorCode.MEDIA_NAME_INVALID,
      ], JSON.stringify(name));
    }
    assert.deepEqual(await refused(up({ kind: "voice", name: "v.ogg" }, "x")), [
      400,
      ErrorCode.MEDIA_DURATION,
    ]);
    assert.deepEqual(
      await refused(up({ kind: "voice", name: "v.ogg", durationMs: "900001" }, "x")),
      [400, ErrorCode.MEDIA_DURATION],
    );
    assert.deepEqual(await refused(up({ kind: "image", name: "a.png", durationMs: "5" }, "x")), [
      400,
      ErrorCode.INVALID_REQUEST,
    ]);
    assert.deepEqual(await refused(up({ kind: "sticker", name: "a.png" }, "x")), [
      400,
      ErrorCode.INVALID_REQUEST,
    ]);
    assert.deepEqual(await refused(up({ kind: "file", name: "a" }, "x", null)), [
      401,
      ErrorCode.UNAUTHORIZED,
    ]);
    assert.deepEqual(await refused(up({ kind: "file", name: "a" }, "x", carol.accessToken)), [
      404,
      ErrorCode.NOT_FOUND,
    ]);
    assert.deepEqual(
      await refused(
        upload(
          base(sys),
          alice.accessToken,
          { conversationId: "g:5", kind: "file", name: "a" },
          "x",
        ),
      ),
      [404, ErrorCode.NOT_FOUND],
    );

    assert.deepEqual(
      await files(sys.env.config.mediaDir).then((f) => f.filter((x) => !x.endsWith("/"))),
      [],
    );
    assert.equal((await sys.env.db.selectFrom("media").selectAll().execute()).length, 0);
    // And a good one still works after all that.
    assert.equal((await up({ kind: "file", name: "ok.bin" }, new Uint8Array(3 * MiB))).status, 201);
    assert.equal((await files(sys.env.config.mediaDir)).length, 1);
  } finally {
    await sys.close();
  }
});
