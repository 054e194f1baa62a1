/**
 * What the smoke run checks on the running stack, as a user and an operator would: a message
 * across gateways, partitions spread over scaled workers, nothing acknowledged lost when a
 * worker is SIGKILLed mid-flow, and everything kept across `down` and `up`.
 */
import { type Frame, TestSocket } from "@im/gateway/testing";
import { signUp, type TestSession } from "../testing/cluster.ts";

export const GATEWAYS = [18080, 18081] as const;
const wsOf = (port: number) => `ws://127.0.0.1:${port}/ws`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface Pair {
  alice: TestSession;
  bob: TestSession;
  a: TestSocket;
  b: TestSocket;
  close(): void;
}

/** alice on gateway1, bob on gateway2, whatever login suggested. */
export async function connectPair(tag: string): Promise<Pair> {
  const alice = await signUp(GATEWAYS[0], `alice_${tag}`);
  const bob = await signUp(GATEWAYS[1], `bob_${tag}`);
  return await reconnect(alice, bob);
}

export async function reconnect(alice: TestSession, bob: TestSession): Promise<Pair> {
  const a = await TestSocket.open(wsOf(GATEWAYS[0]), alice.accessToken);
  const b = await TestSocket.open(wsOf(GATEWAYS[1]), bob.accessToken);
  // Heartbeats, as every client sends them: a silent socket is closed after IDLE_TIMEOUT_SEC.
  const ping = { type: "ping", data: {} };
  const beat = setInterval(() => [a, b].forEach((s) => s.send(ping)), 20_000);
  return {
    alice,
    bob,
    a,
    b,
    close() {
      clearInterval(beat);
      a.ws.close();
      b.ws.close();
    },
  };
}

const send = (to: string, clientMsgId: string, body: string) => ({
  type: "msg.send",
  id: clientMsgId,
  data: { to, clientMsgId, kind: "text", body },
});

/** One message from gateway1 to gateway2: msg.sent to alice, then msg.new at bob. */
export async function messageAcross(p: Pair): Promise<Frame> {
  const sent = await p.a.request(send(p.bob.userId, "hello-1", "hi bob"), "msg.sent");
  const got = await p.b.next("msg.new", (f) => f.data.msgId === sent.data.msgId, 10_000);
  if (got.data.body !== "hi bob" || got.data.from !== p.alice.userId) {
    throw new Error(`bob got ${JSON.stringify(got.data)}`);
  }
  return sent;
}

export interface FlowResult {
  sent: number;
  acked: number;
  resent: number;
  liveDelivered: number;
  bySync: number;
  missing: string[];
  duplicates: number;
  /** Error frames alice got, by code (a rate-limited resend, say). */
  errors: Record<string, number>;
}

/**
 * Sends `n` messages at ~`perSec` and calls `disrupt` a third of the way in; unacked ones are
 * resent with the same clientMsgId (idempotent) until acked. Then every acked msgId must be at
 * bob: pushed live, or else returned by his sync.
 */
export async function flowThrough(
  p: Pair,
  n: number,
  perSec: number,
  disrupt: () => Promise<void>,
  deadlineMs = 120_000,
): Promise<FlowResult> {
  const acked = new Map<string, { msgId: string; seq: number }>();
  const lastSent = new Map<string, number>();
  const errors: Record<string, number> = {};
  let resent = 0, closed: CloseEvent | null = null;
  p.a.closed.then((e) => closed = e);
  const collect = () => {
    for (const f of p.a.frames.splice(0)) {
      if (f.type === "msg.sent") acked.set(f.data.clientMsgId, f.data);
      if (f.type === "error") errors[f.data.code] = (errors[f.data.code] ?? 0) + 1;
    }
    if (closed) {
      throw new Error(`alice's socket closed ${closed.code}; errors ${JSON.stringify(errors)}`);
    }
  };
  let disrupted: Promise<void> | null = null;
  for (let i = 0; i < n; i++) {
    const id = `flow-${i}`;
    p.a.send(send(p.bob.userId, id, `message ${i}`));
    lastSent.set(id, Date.now());
    if (i === Math.floor(n / 3)) disrupted = disrupt();
    await sleep(1000 / perSec);
    collect();
  }
  await disrupted;
  const end = Date.now() + deadlineMs;
  while (acked.size < n && Date.now() < end) {
    await sleep(250);
    collect();
    // A client resends what is unacknowledged after a timeout (longer than a lease takeover),
    // paced like its first sends: a burst of resends would only be rate limited.
    let budget = Math.ceil(perSec / 4);
    for (const [id, at] of lastSent) {
      if (budget > 0 && !acked.has(id) && Date.now() - at > 20_000) {
        p.a.send(send(p.bob.userId, id, `message ${id.slice(5)}`));
        lastSent.set(id, Date.now());
        resent++;
        budget--;
      }
    }
  }
  await sleep(2000); // the last pushes
  const live = new Set(p.b.frames.filter((f) => f.type === "msg.new").map((f) => f.data.msgId));
  const synced = await syncAll(p.b);
  const missing = [...acked.values()].filter((m) => !live.has(m.msgId) && !synced.has(m.msgId))
    .map((m) => m.msgId);
  const seqs = [...acked.values()].map((m) => m.seq);
  return {
    sent: n,
    acked: acked.size,
    resent,
    liveDelivered: [...acked.values()].filter((m) => live.has(m.msgId)).length,
    bySync: [...acked.values()].filter((m) => !live.has(m.msgId) && synced.has(m.msgId)).length,
    missing,
    duplicates: seqs.length - new Set(seqs).size,
    errors,
  };
}

/** Every msgId the server holds for this device, by paging `sync` from nothing. */
export async function syncAll(s: TestSocket): Promise<Set<string>> {
  const ids = new Set<string>();
  const cursors = new Map<string, number>();
  for (let page = 0; page < 100; page++) {
    const r = await s.request({
      type: "sync",
      id: `sync-${crypto.randomUUID()}`,
      data: {
        cursors: [...cursors].map(([conversationId, seq]) => ({ conversationId, seq })),
        limit: 500,
      },
    }, "sync.page");
    for (const c of r.data.conversations) {
      for (const m of c.messages) {
        ids.add(m.msgId);
        cursors.set(c.conversationId, Math.max(cursors.get(c.conversationId) ?? 0, m.seq));
      }
    }
    if (!r.data.more) return ids;
  }
  throw new Error("sync did not finish in 100 pages");
}

/** Each worker's /readyz partitions; ok when they cover 0..P-1 exactly once, none idle. */
export async function partitionsOf(ports: number[]): Promise<Map<number, number[]>> {
  const out = new Map<number, number[]>();
  for (const port of ports) {
    try {
      const r = await fetch(`http://127.0.0.1:${port}/readyz`, {
        signal: AbortSignal.timeout(3000),
      });
      out.set(port, r.ok ? (await r.json()).partitions : (await r.body?.cancel(), []));
    } catch {
      out.set(port, []);
    }
  }
  return out;
}

export function balanced(owned: Map<number, number[]>, partitions: number): boolean {
  const all = [...owned.values()].flat().sort((a, b) => a - b);
  const exact = all.length === partitions && all.every((p, i) => p === i);
  return exact && [...owned.values()].every((ps) => ps.length > 0);
}

export async function until<T>(
  what: string,
  ms: number,
  probe: () => Promise<T | null | undefined | false>,
): Promise<T> {
  const end = Date.now() + ms;
  let last: unknown;
  while (Date.now() < end) {
    try {
      const v = await probe();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    await sleep(500);
  }
  throw new Error(`${what}: not within ${ms / 1000} s${last ? ` (${last})` : ""}`);
}

/** An upgrade as the browser makes it from a page opened at `origin`. */
export async function upgradeStatus(port: number, token: string, origin: string): Promise<number> {
  const r = await fetch(`http://127.0.0.1:${port}/ws`, {
    headers: {
      upgrade: "websocket",
      connection: "upgrade",
      "sec-websocket-version": "13",
      "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==",
      "sec-websocket-protocol": `im.v1, bearer.${token}`,
      origin,
    },
  });
  await r.body?.cancel();
  return r.status;
}
