import assert from "node:assert/strict";
import { CloseCode } from "@im/protocol";
import { createLogger } from "@im/shared/log";
import type { Keys } from "@im/shared/keys";
import type { Redis, RouteStore } from "@im/shared/redis";
import { Conn } from "./conn.ts";
import { Hub } from "./hub.ts";

/** Just enough of a WebSocket to see what the gateway does to it. */
function fakeSocket() {
  const s = {
    readyState: WebSocket.OPEN,
    bufferedAmount: 0,
    sent: [] as string[],
    closedWith: null as number | null,
    send(t: string) {
      s.sent.push(t);
    },
    close(code: number) {
      s.closedWith = code;
      s.readyState = WebSocket.CLOSED;
    },
  };
  return s;
}

const limits = { ratePerSec: 10, rateBurst: 10, rateAbuse: 10, highWaterBytes: 1000 };
const conn = (exp: number) => {
  const sock = fakeSocket();
  const c = new Conn(
    sock as unknown as Conn["socket"],
    { userId: "1", deviceId: "d", sessionId: "s", exp },
    "ip",
    limits,
  );
  return { c, sock };
};
const hub = () => new Hub("g", {} as Redis, {} as Keys, {} as RouteStore, createLogger("error"));

Deno.test("hub sweep: silent connections close 4001; expired tokens close 4003", () => {
  const h = hub();
  const now = 10_000_000;
  const idle = conn(now / 1000 + 3600),
    expired = conn(now / 1000 - 1),
    fine = conn(now / 1000 + 3600);
  idle.c.lastSeen = now - 80_000;
  expired.c.lastSeen = now;
  fine.c.lastSeen = now - 10_000;
  for (const x of [idle, expired, fine]) h.conns.set(x.c.connId, x.c);
  h.sweep(75_000, now);
  assert.equal(idle.sock.closedWith, CloseCode.IDLE_TIMEOUT);
  assert.equal(expired.sock.closedWith, CloseCode.TOKEN_EXPIRED);
  assert.equal(fine.sock.closedWith, null);
});

Deno.test("conn: a peer that stops reading is closed 4002 instead of buffered without bound", () => {
  const { c, sock } = conn(Date.now() / 1000 + 60);
  c.sendRaw("a");
  sock.bufferedAmount = 5000;
  c.sendRaw("b");
  assert.deepEqual(sock.sent, ["a"]);
  assert.equal(sock.closedWith, CloseCode.SLOW_CONSUMER);
  c.close(CloseCode.DRAINING, "again"); // idempotent
  assert.equal(sock.closedWith, CloseCode.SLOW_CONSUMER);
});
