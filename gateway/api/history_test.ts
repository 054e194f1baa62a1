/**
 * The HTTP history and presence routes on a real gateway and worker (real Redis and MariaDB):
 * an HTTP page is the WebSocket `history.page` for the same request, and only members read.
 */
import assert from "node:assert/strict";
import { ErrorCode } from "@im/protocol";
import { type Session, startSystem, type System, TestSocket } from "../test_support.ts";

const open = (s: Session, sys: System) =>
  TestSocket.open(`ws://127.0.0.1:${sys.gateways[0].port}/ws`, s.accessToken);
const get = (sys: System, path: string, token?: string) =>
  sys.http(path, token ? { headers: { authorization: `Bearer ${token}` } } : undefined);
const messagesPath = (conv: string, query = "") =>
  `/v1/conversations/${encodeURIComponent(conv)}/messages${query}`;

Deno.test("history over HTTP: the same pages as the history frame, recalled content gone, peer cursors", async () => {
  const sys = await startSystem();
  try {
    const [alice, bob] = [await sys.register("alice"), await sys.register("bob")];
    const a = await open(alice, sys), b = await open(bob, sys);
    let conv = "";
    for (let i = 1; i <= 5; i++) {
      const id = `m${i}`;
      const sent = await a.request({
        type: "msg.send",
        id,
        data: { to: bob.userId, clientMsgId: id, kind: "text", body: `hello ${i}` },
      }, "msg.sent");
      conv = sent.data.conversationId;
      if (i === 2) {
        await a.request(
          { type: "msg.recall", id: "rc", data: { msgId: sent.data.msgId } },
          "msg.recalled",
        );
      }
    }
    await b.request({ type: "msg.read", id: "rd", data: { conversationId: conv, seq: 3 } }, "ok");
    for (
      const q of [{}, { limit: 2 }, { beforeSeq: 4, limit: 2 }, { afterSeq: 1, limit: 3 }, {
        afterSeq: 6,
      }]
    ) {
      const frame = await a.request({
        type: "history",
        id: "h",
        data: { conversationId: conv, ...q },
      }, "history.page");
      const query = Object.keys(q).length
        ? `?${new URLSearchParams(q as Record<string, string>)}`
        : "";
      const res = await get(sys, messagesPath(conv, query), alice.accessToken);
      assert.equal(res.status, 200, JSON.stringify(q));
      assert.equal(res.headers.get("cache-control"), "private, no-store");
      assert.deepEqual(await res.json(), frame.data, JSON.stringify(q));
    }
    // A member's window narrows both alike: "delete for me" below, having left above.
    const bobs = sys.env.db.updateTable("conversation_members").where("conversation_id", "=", conv)
      .where("user_id", "=", bob.userId);
    const windows: Array<{ cleared_seq: number; left_seq?: number }> = [
      { cleared_seq: 2 },
      { cleared_seq: 2, left_seq: 4 },
    ];
    const queries: Array<{ limit?: number; afterSeq?: number; beforeSeq?: number }> = [
      {},
      { limit: 1 },
      { afterSeq: 1 },
      { beforeSeq: 4 },
      { afterSeq: 5 },
    ];
    for (const window of windows) {
      await bobs.set(window).execute();
      for (const q of queries) {
        // Past the end of a former member's window is a cursor beyond the last message.
        const beyond = (q.afterSeq ?? 0) > (window.left_seq ?? Infinity);
        const frame = await b.request(
          { type: "history", id: "hw", data: { conversationId: conv, ...q } },
          beyond ? "error" : "history.page",
        );
        const query = Object.keys(q).length
          ? `?${new URLSearchParams(q as Record<string, string>)}`
          : "";
        const res = await get(sys, messagesPath(conv, query), bob.accessToken);
        const body = await res.json();
        const what = JSON.stringify([window, q]);
        if (beyond) assert.deepEqual([res.status, body.error.code], [400, frame.data.code], what);
        else assert.deepEqual([res.status, body], [200, frame.data], what);
      }
    }
    await bobs.set({ cleared_seq: 0, left_seq: null }).execute();
    const page = await (await get(sys, messagesPath(conv), bob.accessToken)).json();
    assert.deepEqual(page.messages.map((m: { seq: number }) => m.seq), [1, 2, 3, 4, 5, 6]);
    assert.equal(page.messages[1].body, "");
    assert.equal(page.messages[1].recalled, true);
    assert.equal(JSON.stringify(page).includes("hello 2"), false);
    await a.close();
    await b.close();
  } finally {
    await sys.close();
  }
});

Deno.test("history over HTTP: no token, not a member, no such conversation and bad queries", async () => {
  const sys = await startSystem();
  try {
    const [alice, bob, carol] = [
      await sys.register("alice"),
      await sys.register("bob"),
      await sys.register("carol"),
    ];
    const a = await open(alice, sys);
    const sent = await a.request({
      type: "msg.send",
      id: "s",
      data: { to: bob.userId, clientMsgId: "s", kind: "text", body: "private" },
    }, "msg.sent");
    const conv = sent.data.conversationId;
    const status = async (path: string, token?: string) => {
      const res = await get(sys, path, token);
      return [res.status, (await res.json()).error?.code];
    };
    assert.deepEqual(await status(messagesPath(conv)), [401, ErrorCode.UNAUTHORIZED]);
    assert.deepEqual(await status(messagesPath(conv), "not.a.jwt"), [401, ErrorCode.UNAUTHORIZED]);
    // Carol is not a member: the same answer as for a conversation that does not exist.
    const notYours = await get(sys, messagesPath(conv), carol.accessToken);
    const missing = await get(sys, messagesPath("d:998:999"), carol.accessToken);
    assert.equal(notYours.status, 404);
    assert.deepEqual(await notYours.json(), await missing.json());
    assert.equal(missing.status, 404);
    for (
      const q of [
        "?limit=0",
        "?limit=101",
        "?limit=abc",
        "?beforeSeq=-1",
        "?limit=1&limit=2",
        "?from=1",
      ]
    ) {
      assert.deepEqual(await status(messagesPath(conv, q), alice.accessToken), [
        400,
        ErrorCode.INVALID_REQUEST,
      ], q);
    }
    assert.deepEqual(await status(messagesPath("group-1"), alice.accessToken), [
      400,
      ErrorCode.INVALID_REQUEST,
    ]);
    assert.deepEqual(await status(messagesPath(conv, "?afterSeq=7"), alice.accessToken), [
      400,
      ErrorCode.CURSOR_INVALID,
    ]);
    await a.close();
  } finally {
    await sys.close();
  }
});

Deno.test("presence over HTTP: online while a device is connected, the count of devices, auth required", async () => {
  const sys = await startSystem();
  try {
    const [alice, bob] = [await sys.register("alice"), await sys.register("bob", "phone")];
    const presence = async (userId: string, token = alice.accessToken) => {
      const res = await get(sys, `/v1/users/${userId}/presence`, token);
      return [res.status, await res.json()];
    };
    assert.deepEqual(await presence(bob.userId), [200, {
      userId: bob.userId,
      online: false,
      devices: 0,
    }]);
    const b1 = await open(bob, sys);
    const b2 = await open(await sys.login("bob", "laptop"), sys);
    assert.deepEqual(await presence(bob.userId), [200, {
      userId: bob.userId,
      online: true,
      devices: 2,
    }]);
    // The gateway removes a route once it has seen the close: allow it a moment.
    const settles = async (devices: number) => {
      for (let i = 0; i < 40 && (await presence(bob.userId))[1].devices !== devices; i++) {
        await new Promise((r) => setTimeout(r, 50));
      }
      assert.deepEqual(await presence(bob.userId), [200, {
        userId: bob.userId,
        online: devices > 0,
        devices,
      }]);
    };
    await b1.close();
    await settles(1);
    await b2.close();
    await settles(0);
    assert.deepEqual((await presence("999999"))[0], 404);
    assert.deepEqual((await presence("abc"))[0], 404);
    const [status, body] = await presence(bob.userId, "");
    assert.deepEqual([status, body.error.code], [401, ErrorCode.UNAUTHORIZED]);
  } finally {
    await sys.close();
  }
});
