/**
 * The admin API against the real system (in-process gateway and worker, real Redis and MySQL):
 * it refuses without the operator credential (a user's token is no credential) with the error
 * envelope, lists who is online, kicks a device (its session dies, the user's other device
 * lives), looks up a message, bans and unbans (a banned user is kicked, cannot log in, refresh
 * or connect), lists and replays dead letters, shows partitions; every request leaves an audit
 * line that never holds the credential.
 */
import assert from "node:assert/strict";
import { CloseCode, ErrorCode } from "@im/protocol";
import { encodeEnvelope, ENVELOPE_FIELD } from "@im/shared/wire";
import { startSystem, TestSocket } from "../test_support.ts";

const TOKEN = "operator-credential-for-tests-0123456789";

Deno.test({
  name: "admin: kick, ban and unban, messages, dead letters, partitions; refused and audited",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const audit: string[] = [];
    const log = console.log;
    console.log = (line: unknown) => {
      if (typeof line === "string" && line.includes('"admin audit"')) audit.push(line);
      else log(line);
    };
    const sys = await startSystem({ adminToken: TOKEN, adminPort: 0, adminHost: "127.0.0.1" });
    try {
      const g = sys.gateways[0];
      const admin = (path: string, init: RequestInit = {}, token = TOKEN) =>
        fetch(`http://127.0.0.1:${g.adminPort}/admin/v1${path}`, {
          ...init,
          headers: { authorization: `Bearer ${token}`, ...init.headers },
        });
      const json = async (r: Response, status = 200) => {
        const body = await r.json();
        assert.equal(r.status, status, JSON.stringify(body));
        return body;
      };

      const phone = await sys.register("alice", "phone");
      const web = await sys.login("alice", "web");
      const bob = await sys.register("bob");
      // Refused: no credential, a wrong one, a user's own token; and not on the public port.
      for (const token of ["", "wrong-credential-wrong-credential-00", phone.accessToken]) {
        const body = await json(await admin("/partitions", {}, token), 401);
        assert.equal(body.error.code, ErrorCode.ADMIN_UNAUTHORIZED);
      }
      const publicPort = await sys.http("/admin/v1/partitions", {
        headers: { authorization: `Bearer ${TOKEN}` },
      });
      assert.equal(publicPort.status, 404);
      await publicPort.body?.cancel();

      const aPhone = await TestSocket.open(phone.wsUrl, phone.accessToken);
      const aWeb = await TestSocket.open(web.wsUrl, web.accessToken);
      const b = await TestSocket.open(bob.wsUrl, bob.accessToken);
      const online = await json(await admin("/users/online?count=1000"));
      const alice = online.users.find((u: { userId: string }) => u.userId === phone.userId);
      assert.deepEqual(alice.devices.map((d: { deviceId: string }) => d.deviceId).sort(), [
        "phone",
        "web",
      ]);

      // Kick one device: its socket closes 4100 and its session is dead; the other device lives.
      const kicked = await json(
        await admin(`/users/${phone.userId}/devices/phone/kick`, { method: "POST" }),
      );
      assert.deepEqual(kicked, { sessionsRevoked: 1, connectionsClosed: 1 });
      assert.equal((await aPhone.closed).code, CloseCode.SESSION_REVOKED);
      const me = await sys.http(`/v1/users/${phone.userId}`, {
        headers: { authorization: `Bearer ${phone.accessToken}` },
      });
      assert.equal(me.status, 401);
      await me.body?.cancel();
      const refreshed = await sys.http("/v1/auth/refresh", {
        method: "POST",
        body: JSON.stringify({ refreshToken: phone.refreshToken }),
      });
      assert.equal(refreshed.status, 401);
      await refreshed.body?.cancel();
      const sent = await aWeb.request({
        type: "msg.send",
        id: "m1",
        data: { to: bob.userId, clientMsgId: "m1", kind: "text", body: "still here" },
      }, "msg.sent");

      // A message by id.
      const msg = await json(await admin(`/messages/${sent.data.msgId}`));
      assert.equal(msg.body, "still here");
      assert.equal(msg.senderId, phone.userId);
      assert.equal((await json(await admin("/messages/123"), 404)).error.code, ErrorCode.NOT_FOUND);

      // Ban: kicked now, cannot log in, refresh or connect; unban lets the user back in.
      const banned = await json(
        await admin(`/users/${bob.userId}/ban`, {
          method: "PUT",
          body: JSON.stringify({ reason: "spam" }),
        }),
      );
      assert.equal(banned.banned, true);
      assert.equal(banned.connectionsClosed, 1);
      assert.equal((await b.closed).code, CloseCode.SESSION_REVOKED);
      const login = await sys.http("/v1/auth/login", {
        method: "POST",
        body: JSON.stringify({ username: "bob", password: "correct horse" }),
      });
      assert.equal(login.status, 403);
      assert.equal((await login.json()).error.code, ErrorCode.USER_BANNED);
      const bobRefresh = await sys.http("/v1/auth/refresh", {
        method: "POST",
        body: JSON.stringify({ refreshToken: bob.refreshToken }),
      });
      assert.equal(bobRefresh.status, 401);
      await bobRefresh.body?.cancel();
      await assert.rejects(TestSocket.open(bob.wsUrl, bob.accessToken));
      const view = await json(await admin(`/users/${bob.userId}`));
      assert.equal(view.banned.reason, "spam");
      const lifted = await json(await admin(`/users/${bob.userId}/ban`, { method: "DELETE" }));
      assert.deepEqual(lifted, { banned: false, wasBanned: true });
      const back = await sys.login("bob", "again");
      (await TestSocket.open(back.wsUrl, back.accessToken)).close();
      const ghost = await json(await admin("/users/999999/kick", { method: "POST" }), 404);
      assert.equal(ghost.error.code, ErrorCode.NO_SUCH_USER);
      const bad = await admin(`/users/${bob.userId}/kick`, { method: "POST", body: "{oops" });
      assert.equal((await json(bad, 400)).error.code, ErrorCode.INVALID_REQUEST);

      // Dead letters: listed, then replayed onto their partition (the worker serves it).
      const { redis, keys } = sys.env;
      const envelope = encodeEnvelope({
        frame: { type: "ids.fetch", id: "i1", data: { count: 1 } },
        userId: phone.userId,
        deviceId: "web",
        connId: "c-gone",
        gatewayId: "g-gone",
        receivedAt: Date.now(),
      });
      const dl = await redis.xadd(
        keys.deadLetters(),
        "*",
        ...["stream", keys.partition(1), "partition", "1", "entry", "1-0"],
        ...["reason", "max deliveries exceeded", "deliveries", "5", "at", String(Date.now())],
        ENVELOPE_FIELD,
        envelope,
      );
      const list = await json(await admin("/dead-letters"));
      assert.deepEqual(list.deadLetters.map((d: { id: string }) => d.id), [dl]);
      assert.equal(list.deadLetters[0].type, "ids.fetch");
      const replay = await json(
        await admin("/dead-letters/replay", {
          method: "POST",
          body: JSON.stringify({ ids: [dl] }),
        }),
      );
      assert.deepEqual(replay.replayed, [dl]);
      assert.equal(await redis.xlen(keys.deadLetters()), 0);

      // Partitions: every one owned by the live worker.
      const parts = await json(await admin("/partitions"));
      const owned = parts.streams.filter((s: { partition: number | null }) => s.partition !== null);
      assert.equal(owned.length, 4);
      for (const s of owned) assert.ok(s.owner && s.fence >= 1, JSON.stringify(s));
      assert.deepEqual(parts.workers.filter((w: { live: boolean }) => w.live).length, 1);

      // Audited, refusals included, never with the credential.
      await new Promise((r) => setTimeout(r, 50));
      const lines = audit.map((l) => JSON.parse(l));
      assert.ok(lines.length >= 15, `${lines.length} audit lines`);
      assert.equal(lines.filter((l) => l.outcome === "refused").length, 3);
      const kick = lines.find((l) =>
        l.action === "POST /admin/v1/users/:userId/devices/:deviceId/kick"
      );
      assert.equal(kick.userId, phone.userId);
      assert.equal(kick.deviceId, "phone");
      assert.equal(kick.sessionsRevoked, 1);
      assert.ok(
        lines.some((l) => l.action === "PUT /admin/v1/users/:userId/ban" && l.reason === "spam"),
      );
      assert.ok(audit.every((l) => !l.includes(TOKEN) && !l.includes(phone.accessToken)));
      aWeb.close();
    } finally {
      console.log = log;
      await sys.close();
    }
  },
});
