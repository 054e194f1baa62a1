import assert from "node:assert/strict";
import { CloseCode, ErrorCode } from "@im/protocol";
import { startSystem, TestSocket } from "../test_support.ts";

Deno.test("ws: the upgrade needs a valid token and an allowed Origin", async () => {
  const sys = await startSystem({ originAllowlist: ["https://chat.example"] });
  try {
    const alice = await sys.register("alice");
    const url = `http://127.0.0.1:${sys.gateways[0].port}/ws`;
    const up = (headers: Record<string, string>) =>
      fetch(url, {
        headers: {
          upgrade: "websocket",
          connection: "upgrade",
          "sec-websocket-version": "13",
          "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==",
          ...headers,
        },
      });
    const noToken = await up({});
    assert.equal(noToken.status, 401);
    assert.equal((await noToken.json()).error.code, ErrorCode.UNAUTHORIZED);
    const badToken = await up({ authorization: "Bearer abc.def.ghi" });
    assert.equal(badToken.status, 401);
    await badToken.body?.cancel();
    const badOrigin = await up({
      authorization: `Bearer ${alice.accessToken}`,
      origin: "https://evil.example",
    });
    assert.equal(badOrigin.status, 403);
    assert.equal((await badOrigin.json()).error.code, ErrorCode.ORIGIN_FORBIDDEN);
    const nullOrigin = await up({ authorization: `Bearer ${alice.accessToken}`, origin: "null" });
    assert.equal(nullOrigin.status, 403);
    await nullOrigin.body?.cancel();
    // Browser style: the token rides in the subprotocol list; the answer never echoes it.
    const s = await TestSocket.open(alice.wsUrl, alice.accessToken);
    assert.equal(s.ws.protocol, "im.v1");
    await s.close();
  } finally {
    await sys.close();
  }
});

Deno.test("ws: bad frames get numbered errors and the connection keeps working", async () => {
  const sys = await startSystem();
  try {
    const alice = await sys.register("alice");
    const bob = await sys.register("bob");
    const s = await TestSocket.open(alice.wsUrl, alice.accessToken);
    s.send("{not json");
    assert.equal((await s.next("error")).data.code, ErrorCode.BAD_JSON);
    s.send({ type: "msg.teleport", id: "u1", data: {} });
    assert.equal((await s.next("error", (f) => f.id === "u1")).data.code, ErrorCode.UNKNOWN_TYPE);
    s.send({ type: "msg.send", id: "m1", data: { to: bob.userId } });
    assert.equal((await s.next("error", (f) => f.id === "m1")).data.code, ErrorCode.INVALID_FRAME);
    const send = (id: string, data: Record<string, unknown>) =>
      s.send({
        type: "msg.send",
        id,
        data: { to: bob.userId, clientMsgId: id, kind: "text", body: "hi", ...data },
      });
    send("long", { body: "x".repeat(5001) });
    assert.equal((await s.next("error", (f) => f.id === "long")).data.code, ErrorCode.BODY_LENGTH);
    send("self", { to: alice.userId });
    assert.equal((await s.next("error", (f) => f.id === "self")).data.code, ErrorCode.SELF_MESSAGE);
    send("ghost", { to: "987654321" });
    assert.equal(
      (await s.next("error", (f) => f.id === "ghost")).data.code,
      ErrorCode.NO_SUCH_USER,
    );
    send("spoof", { from: bob.userId });
    assert.equal(
      (await s.next("error", (f) => f.id === "spoof")).data.code,
      ErrorCode.INVALID_FRAME,
    );
    // Still open and serving.
    const pong = await s.request({ type: "ping", id: "p1" }, "pong");
    assert.equal(typeof pong.data.serverTime, "number");
    const count = await sys.env.db.selectFrom("messages").select("msg_id").execute();
    assert.equal(count.length, 0, "nothing was stored");
    await s.close();
  } finally {
    await sys.close();
  }
});

Deno.test("ws: an oversized frame closes 1009; sustained flooding closes 4102", async () => {
  const sys = await startSystem({ rateLimitPerSec: 5, rateLimitBurst: 5, rateLimitAbuse: 10 });
  try {
    const alice = await sys.register("alice");
    const big = await TestSocket.open(alice.wsUrl, alice.accessToken);
    big.send(JSON.stringify({ type: "ping", pad: "x".repeat(70_000) }));
    assert.equal((await big.closed).code, CloseCode.TOO_BIG);

    const flood = await TestSocket.open(alice.wsUrl, alice.accessToken);
    for (let i = 0; i < 16; i++) flood.send({ type: "ping", id: `f${i}` });
    assert.equal((await flood.next("error")).data.code, ErrorCode.RATE_LIMITED);
    const fc = await flood.closed;
    assert.equal(
      fc.code,
      CloseCode.ABUSE,
      `closed ${fc.code} ${fc.reason} ${JSON.stringify(flood.frames.map((f) => f.data?.code))}`,
    );
  } finally {
    await sys.close();
  }
});

Deno.test("ws: a text crosses two gateways; logout and a newer device connection close sockets", async () => {
  const sys = await startSystem({}, 2);
  try {
    const alice = await sys.register("alice");
    const bob = await sys.register("bob");
    const [g1, g2] = sys.gateways;
    const a = await TestSocket.open(`ws://127.0.0.1:${g1.port}/ws`, alice.accessToken);
    const b = await TestSocket.open(`ws://127.0.0.1:${g2.port}/ws`, bob.accessToken);
    const ack = await a.request({
      type: "msg.send",
      id: "r1",
      data: { to: bob.userId, clientMsgId: "c1", kind: "text", body: "hello bob" },
    }, "msg.sent");
    assert.match(ack.data.msgId, /^\d+$/);
    assert.equal(ack.data.seq, 1);
    const got = await b.next("msg.new");
    assert.deepEqual(
      [got.data.msgId, got.data.from, got.data.body, got.data.seq],
      [ack.data.msgId, alice.userId, "hello bob", 1],
    );
    const stored = await sys.env.db.selectFrom("messages").selectAll().executeTakeFirstOrThrow();
    assert.equal(String(stored.msg_id), ack.data.msgId, "acked only what is committed");

    // The same device connecting again replaces the old connection.
    const b2 = await TestSocket.open(`ws://127.0.0.1:${g1.port}/ws`, bob.accessToken);
    assert.equal((await b.closed).code, CloseCode.REPLACED);
    // Logout closes that device's socket wherever it is.
    const out = await sys.http("/v1/auth/logout", {
      method: "POST",
      headers: { authorization: `Bearer ${bob.accessToken}` },
    });
    assert.equal(out.status, 204);
    assert.equal((await b2.closed).code, CloseCode.SESSION_REVOKED);
    await a.close();
  } finally {
    await sys.close();
  }
});

Deno.test("ws: draining a gateway closes its sockets with the reconnect code", async () => {
  const sys = await startSystem();
  const alice = await sys.register("alice");
  const s = await TestSocket.open(alice.wsUrl, alice.accessToken);
  await sys.gateways[0].stop();
  assert.equal((await s.closed).code, CloseCode.DRAINING);
  await sys.close();
});

Deno.test("ws: a user may connect MAX_DEVICES_PER_USER devices; one more is refused 429", async () => {
  const sys = await startSystem({ maxDevicesPerUser: 2 });
  try {
    await sys.register("alice", "phone");
    const [phone, laptop, tablet] = [
      await sys.login("alice", "phone"),
      await sys.login("alice", "laptop"),
      await sys.login("alice", "tablet"),
    ];
    const a = await TestSocket.open(phone.wsUrl, phone.accessToken);
    const b = await TestSocket.open(laptop.wsUrl, laptop.accessToken);
    const refused = await fetch(phone.wsUrl.replace("ws:", "http:"), {
      headers: {
        upgrade: "websocket",
        connection: "upgrade",
        "sec-websocket-version": "13",
        "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==",
        authorization: `Bearer ${tablet.accessToken}`,
      },
    });
    assert.equal(refused.status, 429);
    assert.equal((await refused.json()).error.code, ErrorCode.TOO_MANY_CONNECTIONS);
    // A device already connected may reconnect (it replaces itself).
    const a2 = await TestSocket.open(phone.wsUrl, phone.accessToken);
    assert.equal((await a.closed).code, CloseCode.REPLACED);
    await a2.close();
    await b.close();
  } finally {
    await sys.close();
  }
});
