/**
 * Protocol tests at the door (issue 9, items 7-10), over raw TCP: exact handshake bytes and
 * frames, and what comes back, against an in-process system (real Redis and MariaDB).
 */
import assert from "node:assert/strict";
import { CloseCode, ErrorCode } from "@im/protocol";
import { startSystem, type System } from "../test_support.ts";
import { clientFrame, RawClient, type RawResponse, upgradeRequest } from "./raw_client.ts";

const TEXT = 0x1;

async function withSystem(
  overrides: Parameters<typeof startSystem>[0],
  fn: (sys: System, token: string, port: number) => Promise<void>,
) {
  const sys = await startSystem(overrides);
  try {
    const alice = await sys.register("alice");
    await fn(sys, alice.accessToken, sys.gateways[0].port);
  } finally {
    await sys.close();
  }
}

function assertEnvelope(r: RawResponse, status: number, code: number) {
  assert.equal(r.status, status, r.body);
  assert.match(r.headers.get("content-type") ?? "", /^application\/json/);
  const body = JSON.parse(r.body);
  assert.equal(body.error.code, code, r.body);
  assert.equal(typeof body.error.message, "string");
}

/** An upgraded connection past its hello frame. */
async function open(port: number, token: string): Promise<RawClient> {
  const c = await RawClient.connect(port);
  await c.write(upgradeRequest({ authorization: `Bearer ${token}` }));
  const r = await c.response();
  assert.equal(r.status, 101, r.body);
  const hello = await c.frame();
  assert.equal(JSON.parse(hello!.text).type, "hello");
  return c;
}

Deno.test("door: a missing or malformed Sec-WebSocket-Key is refused 400 with the JSON envelope", async () => {
  await withSystem({}, async (_sys, token, port) => {
    for (const key of [null, "abc", "dGhlIHNhbXBsZSBub25jZQ", "!!!!!!!!!!!!!!!!!!!!!!=="]) {
      const c = await RawClient.connect(port);
      await c.write(upgradeRequest({ "sec-websocket-key": key, authorization: `Bearer ${token}` }));
      assertEnvelope(await c.response(), 400, ErrorCode.INVALID_REQUEST);
      c.close();
    }
  });
});

Deno.test("door: a Sec-WebSocket-Version other than 13 is refused 426 naming version 13", async () => {
  await withSystem({}, async (_sys, token, port) => {
    for (const version of ["8", null, "14"]) {
      const c = await RawClient.connect(port);
      await c.write(
        upgradeRequest({ "sec-websocket-version": version, authorization: `Bearer ${token}` }),
      );
      const r = await c.response();
      assertEnvelope(r, 426, ErrorCode.INVALID_REQUEST);
      assert.equal(r.headers.get("sec-websocket-version"), "13");
      c.close();
    }
  });
});

Deno.test("door: a token in the subprotocol list is answered with im.v1 alone, never echoed", async () => {
  await withSystem({}, async (_sys, token, port) => {
    const c = await RawClient.connect(port);
    await c.write(upgradeRequest({ "sec-websocket-protocol": `im.v1, bearer.${token}` }));
    const r = await c.response();
    assert.equal(r.status, 101);
    assert.equal(r.headers.get("sec-websocket-protocol"), "im.v1");
    for (const [, v] of r.headers) assert.ok(!v.includes(token), "the token is not echoed");
    c.close();
  });
});

Deno.test("door: every HTTP error is the JSON envelope (unknown path, wrong method)", async () => {
  await withSystem({}, async (sys) => {
    const nope = await sys.http("/nope");
    assert.equal(nope.status, 404);
    assert.equal((await nope.json()).error.code, ErrorCode.INVALID_REQUEST);
    const post = await sys.http("/ws", { method: "POST" });
    assert.equal(post.status, 404);
    assert.equal((await post.json()).error.code, ErrorCode.INVALID_REQUEST);
  });
});

Deno.test("door: an unmasked client frame fails the connection with 1002 (RFC 6455 §5.1)", async () => {
  await withSystem({}, async (_sys, token, port) => {
    const c = await open(port, token);
    await c.write(clientFrame(TEXT, '{"type":"ping","id":"p1"}', { mask: false }));
    const { frames, code } = await c.untilClose();
    assert.equal(code, 1002);
    assert.equal(frames.length, 0, "the unmasked frame was not processed");
    assert.ok(await c.ended(), "the server ends the connection");
    c.close();
    // Text that is not UTF-8 fails it with 1007.
    const bad = await open(port, token);
    await bad.write(clientFrame(TEXT, new Uint8Array([0x7b, 0xff, 0xfe, 0x7d])));
    assert.equal((await bad.untilClose()).code, 1007);
    bad.close();
  });
});

Deno.test("door: a frame header announcing 24 MiB is refused 1009 before any payload is sent", async () => {
  await withSystem({}, async (_sys, token, port) => {
    const c = await open(port, token);
    // Header and mask key only: the server must decide from the announced length.
    await c.write(clientFrame(TEXT, new Uint8Array(0), { announce: 24 << 20 }).subarray(0, 14));
    const { code } = await c.untilClose(2000);
    assert.equal(code, CloseCode.TOO_BIG);
    assert.ok(await c.ended(2000), "the server ends the connection without waiting for a payload");
    c.close();
    // Fragments count as one message: two of 40 KiB are refused at the second header.
    const frag = await open(port, token);
    const part = new Uint8Array(40 * 1024).fill(0x20);
    const first = clientFrame(TEXT, part);
    first[0] &= 0x7f; // FIN off: more fragments follow
    await frag.write(first);
    await frag.write(clientFrame(0x0, part).subarray(0, 8)); // continuation header + mask key
    assert.equal((await frag.untilClose(2000)).code, CloseCode.TOO_BIG);
    frag.close();
    // A frame at the cap still passes.
    const ok = await open(port, token);
    const pad = "x".repeat(65536 - 40);
    await ok.write(clientFrame(TEXT, JSON.stringify({ type: "ping", id: "big", data: {} }) + pad));
    const reply = await ok.frame();
    assert.ok(reply, "a frame of at most 64 KiB is read");
    ok.close();
  });
});

Deno.test("door: a client flooding in one write gets its pongs, its errors, then the 4102 close frame", async () => {
  await withSystem({}, async (_sys, token, port) => {
    const c = await open(port, token);
    const pings = Array.from(
      { length: 400 },
      (_, i) => clientFrame(TEXT, JSON.stringify({ type: "ping", id: `p${i}`, data: {} })),
    );
    const all = new Uint8Array(pings.reduce((n, p) => n + p.length, 0));
    pings.reduce((off, p) => (all.set(p, off), off + p.length), 0);
    await c.write(all);
    // Then only listen, as the probe did.
    const { frames, code } = await c.untilClose(10_000);
    const types = frames.map((f) => JSON.parse(f.text));
    const pongs = types.filter((f) => f.type === "pong").length;
    const limited = types.filter((f) => f.data?.code === ErrorCode.RATE_LIMITED).length;
    assert.equal(code, CloseCode.ABUSE, `${pongs} pongs, ${limited} errors, then ${code}`);
    assert.ok(pongs >= 100, `the burst of 100 is answered (${pongs})`);
    assert.equal(limited, 200, "every refusal up to RATE_LIMIT_ABUSE is answered");
    c.close();
  });
});

Deno.test("door: a peer that stops reading is closed 4002 once SEND_HIGH_WATER_BYTES are buffered", async () => {
  await withSystem({ sendHighWaterBytes: 1 << 20 }, async (sys, token, port) => {
    const c = await open(port, token);
    c.pause();
    const [conn] = sys.gateways[0].hub.conns.values();
    const mib = "x".repeat(1 << 20);
    let sent = 0;
    while (!conn.closed && sent < 256) {
      conn.sendRaw(mib);
      sent++;
      await new Promise((r) => setTimeout(r, 5));
    }
    assert.ok(conn.closed, "the connection was closed");
    // Loopback socket buffers hold some MiB; past them the gateway buffers at most ~1 MiB more.
    assert.ok(sent < 64, `closed after ${sent} MiB`);
    assert.ok(conn.socket.bufferedAmount > 1 << 20);
    c.close();
  });
});

Deno.test("door: MAX_CONNS_PER_IP WebSockets from one address; one more is refused 429", async () => {
  await withSystem({ maxConnsPerIp: 2 }, async (sys, token, port) => {
    const other = await sys.login("alice", "laptop");
    const a = await open(port, token);
    const b = await open(port, other.accessToken);
    const third = await sys.login("alice", "tablet");
    const c = await RawClient.connect(port);
    await c.write(upgradeRequest({ authorization: `Bearer ${third.accessToken}` }));
    assertEnvelope(await c.response(), 429, ErrorCode.TOO_MANY_CONNECTIONS_PER_IP);
    c.close();
    // Plain HTTP from the same address is not counted.
    assert.equal((await sys.http("/healthz")).status, 200);
    // A closed connection frees its slot.
    a.close();
    for (let i = 0; i < 50; i++) {
      const d = await RawClient.connect(port);
      await d.write(upgradeRequest({ authorization: `Bearer ${third.accessToken}` }));
      const r = await d.response();
      d.close();
      if (r.status === 101) break;
      assert.equal(r.status, 429);
      assert.ok(i < 49, "the slot was never released");
      await new Promise((res) => setTimeout(res, 100));
    }
    b.close();
  });
});

Deno.test("door: an address holds at most MAX_CONNS_PER_IP connections without a request head", async () => {
  await withSystem({ maxConnsPerIp: 2 }, async (sys, _token, port) => {
    const silent = [await RawClient.connect(port), await RawClient.connect(port)];
    await new Promise((r) => setTimeout(r, 100)); // accepted by the server
    const third = await RawClient.connect(port);
    assertEnvelope(await third.response(2000), 429, ErrorCode.TOO_MANY_CONNECTIONS_PER_IP);
    assert.ok(await third.ended(3000));
    third.close();
    silent[0].close();
    let status = 0;
    for (let i = 0; i < 50 && status !== 200; i++) {
      await new Promise((r) => setTimeout(r, 100));
      status = await sys.http("/healthz").then(async (r) => (await r.body?.cancel(), r.status));
    }
    assert.equal(status, 200, "the closed connection freed its place");
    silent[1].close();
  });
});

Deno.test("door: a request head not completed within HANDSHAKE_TIMEOUT_MS is answered 408 and closed", async () => {
  await withSystem({ handshakeTimeoutMs: 1000 }, async (_sys, token, port) => {
    const live = await open(port, token);
    const half = await RawClient.connect(port);
    const silent = await RawClient.connect(port);
    const t0 = Date.now();
    await half.write("GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n");
    assertEnvelope(await half.response(4000), 408, ErrorCode.REQUEST_TIMEOUT);
    assert.ok(await half.ended(1000));
    const waited = Date.now() - t0;
    assert.ok(waited >= 900 && waited < 3500, `closed after ${waited} ms`);
    assert.ok(await silent.ended(3000), "a connection that sends nothing is closed too");
    half.close();
    silent.close();
    // The timeout is for request heads: an upgraded socket outlives it (twice over here).
    await new Promise((r) => setTimeout(r, Math.max(0, 2100 - (Date.now() - t0))));
    await live.write(clientFrame(TEXT, JSON.stringify({ type: "ping", id: "late", data: {} })));
    assert.equal(JSON.parse((await live.frame())!.text).type, "pong");
    live.close();
  });
});
