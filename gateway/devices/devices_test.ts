/**
 * Devices through a real gateway and worker (in-process) on real MariaDB and Redis: the list,
 * remote sign-out, the per-platform limit at login, and that nobody reaches another user's.
 */
import assert from "node:assert/strict";
import { CloseCode, ErrorCode } from "@im/protocol";
import { startSystem, type System, TestSocket } from "../test_support.ts";

type Login = { userId: string; deviceId: string; accessToken: string; refreshToken: string };

async function login(sys: System, username: string, deviceId: string, extra = {}) {
  const r = await sys.http("/v1/auth/login", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username, password: "correct horse", deviceId, ...extra }),
  });
  assert.equal(r.status, 200, await r.clone().text());
  return await r.json() as Login;
}
const open = (sys: System, s: Login) =>
  TestSocket.open(`ws://127.0.0.1:${sys.gateways[0].port}/ws`, s.accessToken);
const auth = (s: Login) => ({ headers: { Authorization: `Bearer ${s.accessToken}` } });
async function devices(sys: System, s: Login) {
  const r = await sys.http("/v1/devices", auth(s));
  assert.equal(r.status, 200);
  return (await r.json()).devices as Array<Record<string, unknown>>;
}
const signOut = (sys: System, s: Login, deviceId: string) =>
  sys.http(`/v1/devices/${deviceId}`, { method: "DELETE", ...auth(s) });
const refresh = (sys: System, s: Login) =>
  sys.http("/v1/auth/refresh", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ refreshToken: s.refreshToken }),
  });

Deno.test("devices: the list shows platform, name, last seen and who is online; sign one out remotely", async () => {
  const sys = await startSystem();
  try {
    await sys.register("alice", "boot");
    const phone = await login(sys, "alice", "phone-1", { platform: "phone", deviceName: "Pixel" });
    const web = await login(sys, "alice", "web-1", { platform: "web" });
    const ps = await open(sys, phone);
    const list = await devices(sys, web);
    const byId = new Map(list.map((d) => [d.deviceId, d]));
    assert.equal(list[0].deviceId, "web-1", "the current device first");
    assert.deepEqual(
      [byId.get("phone-1")!.platform, byId.get("phone-1")!.name, byId.get("phone-1")!.online],
      ["phone", "Pixel", true],
    );
    assert.deepEqual([byId.get("web-1")!.online, byId.get("web-1")!.current], [false, true]);
    assert.equal(byId.get("boot")!.platform, "other");
    assert.ok(Number(byId.get("phone-1")!.lastSeenAt) > Date.now() - 60_000);

    const r = await signOut(sys, web, "phone-1");
    assert.equal(r.status, 204);
    assert.equal((await ps.closed).code, CloseCode.SIGNED_OUT);
    assert.equal((await refresh(sys, phone)).status, 401, "its refresh token is dead");
    assert.equal((await sys.http("/v1/devices", auth(phone))).status, 401, "so is its access");
    assert.deepEqual((await devices(sys, web)).map((d) => d.deviceId).sort(), ["boot", "web-1"]);
    const again = await signOut(sys, web, "phone-1");
    assert.equal(again.status, 404);
    assert.equal((await again.json()).error.code, ErrorCode.DEVICE_NOT_FOUND);
  } finally {
    await sys.close();
  }
});

Deno.test("devices: nobody lists or signs out another user's devices (the same 404 as none)", async () => {
  const sys = await startSystem();
  try {
    const alice = await sys.register("alice", "a-phone");
    const bob = await sys.register("bob", "b-phone");
    const bs = await open(sys, bob as Login);
    for (const id of ["b-phone", "nope", "bad%20id"]) {
      const r = await signOut(sys, alice as Login, id);
      assert.equal(r.status, 404, id);
      assert.equal((await r.json()).error.code, ErrorCode.DEVICE_NOT_FOUND);
    }
    assert.deepEqual((await devices(sys, alice as Login)).map((d) => d.deviceId), ["a-phone"]);
    assert.equal((await refresh(sys, bob as Login)).status, 200, "bob's device is untouched");
    assert.equal(bs.ws.readyState, WebSocket.OPEN);
    assert.equal((await sys.http("/v1/devices")).status, 401);
    bs.close();
  } finally {
    await sys.close();
  }
});

Deno.test("devices: one phone at a time; a new phone signs out the oldest (4110), web tabs are unlimited", async () => {
  const sys = await startSystem({ deviceLimits: ["phone:1", "desktop:2", "web:0"] });
  try {
    await sys.register("carol", "boot");
    const p1 = await login(sys, "carol", "p1", { platform: "phone" });
    const s1 = await open(sys, p1);
    const again = await login(sys, "carol", "p1", { platform: "phone" });
    assert.equal(
      s1.ws.readyState,
      WebSocket.OPEN,
      "the same device logging in again is no new one",
    );
    const p2 = await login(sys, "carol", "p2", { platform: "phone" });
    const closed = await s1.closed;
    assert.equal(closed.code, CloseCode.DEVICE_LIMIT);
    for (const s of [p1, again]) assert.equal((await refresh(sys, s)).status, 401);
    const d1 = await login(sys, "carol", "d1", { platform: "desktop" });
    await new Promise((r) => setTimeout(r, 5));
    await login(sys, "carol", "d2", { platform: "desktop" });
    await new Promise((r) => setTimeout(r, 5));
    await login(sys, "carol", "d3", { platform: "desktop" });
    assert.equal((await refresh(sys, d1)).status, 401, "the oldest desktop made room");
    for (let i = 0; i < 4; i++) await login(sys, "carol", `w${i}`, { platform: "web" });
    const ids = (await devices(sys, p2)).map((d) => d.deviceId).sort();
    assert.deepEqual(ids, ["boot", "d2", "d3", "p2", "w0", "w1", "w2", "w3"]);
    const bad = await sys.http("/v1/auth/login", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username: "carol", password: "correct horse", platform: "toaster" }),
    });
    assert.equal(bad.status, 400);
    assert.equal((await bad.json()).error.code, ErrorCode.INVALID_REQUEST);
  } finally {
    await sys.close();
  }
});
