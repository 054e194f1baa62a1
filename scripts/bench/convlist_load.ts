/**
 * The conversation-list benchmark's clients: the background load (pairs of users sending at a
 * fixed rate, receivers acking delivery every 50 ms as the SDK does) and the client that pages
 * through one user's list, timing every page. Both use the bench's raw WebSocket client
 * (TCP_NODELAY; Deno's built-in client adds ~40 ms, see DESIGN.md).
 */
import { type BenchSocket, connectClient } from "./ws_client.ts";
import { Histogram } from "./stats.ts";

// deno-lint-ignore no-explicit-any
type Frame = { type: string; id?: string; data: any };

export interface Endpoint {
  hostname: string;
  port: number;
}

async function open(at: Endpoint, token: string, onFrame: (f: Frame) => void) {
  const s = await connectClient("raw", {
    ...at,
    path: "/ws",
    token,
    onText: (t) => onFrame(JSON.parse(t)),
    onClose: () => {},
  });
  return s;
}

/** Pairs (2k, 2k+1) sending to each other at `rate` msgs/s in total until stopped. */
export async function backgroundLoad(at: Endpoint, tokens: Map<string, string>, rate: number) {
  const users = [...tokens.keys()];
  const sentAt = new Map<string, number>();
  const ack = new Histogram();
  let sent = 0, acked = 0, errors = 0;
  const socks: BenchSocket[] = [];
  const pending = new Map<BenchSocket, Map<string, number>>(); // delivered cursors to send
  for (const u of users) {
    const s: BenchSocket = await open(at, tokens.get(u)!, (f) => {
      if (f.type === "msg.sent") {
        acked++;
        const t = sentAt.get(f.data.clientMsgId);
        if (t !== undefined) ack.record(performance.now() - t);
        sentAt.delete(f.data.clientMsgId);
      } else if (f.type === "msg.new") {
        const m = pending.get(s)!;
        m.set(f.data.conversationId, Math.max(m.get(f.data.conversationId) ?? 0, f.data.seq));
      } else if (f.type === "error") errors++;
    });
    socks.push(s);
    pending.set(s, new Map());
  }
  const start = performance.now();
  let n = 0;
  const tick = setInterval(() => {
    // Scheduled send times: a stalled loop sends late and the lateness counts as latency.
    const due = Math.floor(((performance.now() - start) / 1000) * rate);
    for (; n < due; n++) {
      const i = n % users.length;
      const to = users[i ^ 1];
      const id = `l${n}`;
      sentAt.set(id, start + (n / rate) * 1000);
      socks[i].sendText(JSON.stringify({
        type: "msg.send",
        id,
        data: { to, clientMsgId: id, kind: "text", body: "x".repeat(100) },
      }));
      sent++;
    }
  }, 5);
  const acks = setInterval(() => {
    for (const [s, m] of pending) {
      for (const [conversationId, seq] of m) {
        s.sendText(JSON.stringify({ type: "msg.delivered", data: { conversationId, seq } }));
      }
      m.clear();
    }
  }, 50);
  return {
    stop() {
      clearInterval(tick);
      clearInterval(acks);
      for (const s of socks) s.close();
      const secs = (performance.now() - start) / 1000;
      return { sent, acked, errors, sentPerSec: Math.round(sent / secs), sendToAck: ack.summary() };
    },
  };
}

export interface PagingResult {
  passes: number;
  pages: number;
  firstPage: ReturnType<Histogram["summary"]>;
  laterPages: ReturnType<Histogram["summary"]>;
  allPages: ReturnType<Histogram["summary"]>;
  /** Every full pass saw each conversation once, pinned ones first. */
  complete: boolean;
  errors: string[];
}

/** Pages through the whole list again and again until `until`, `gapMs` between requests. */
export async function pageThrough(
  at: Endpoint,
  token: string,
  o: { limit: number; gapMs: number; expect: number; pinned: number; until: number },
): Promise<PagingResult> {
  const waiting = new Map<string, (f: Frame) => void>();
  const s = await open(at, token, (f) => f.id && waiting.get(f.id)?.(f));
  let seq = 0;
  const ask = (data: unknown) =>
    new Promise<[Frame, number]>((resolve) => {
      const id = `p${++seq}`;
      const t0 = performance.now();
      waiting.set(id, (f) => {
        waiting.delete(id);
        resolve([f, performance.now() - t0]);
      });
      s.sendText(JSON.stringify({ type: "conv.list", id, data }));
    });
  const first = new Histogram(), later = new Histogram(), all = new Histogram();
  const errors: string[] = [];
  let passes = 0, pages = 0, complete = true;
  while (performance.now() < o.until) {
    const seen: Array<{ conversationId: string; pinned: boolean }> = [];
    let cursor: string | undefined;
    let page = 0;
    do {
      const [f, ms] = await ask({ limit: o.limit, ...(cursor ? { cursor } : {}) });
      if (f.type !== "conv.page") {
        errors.push(JSON.stringify(f.data));
        break;
      }
      (page++ === 0 ? first : later).record(ms);
      all.record(ms);
      pages++;
      seen.push(...f.data.conversations);
      cursor = f.data.cursor;
      await new Promise((r) => setTimeout(r, o.gapMs));
    } while (cursor && performance.now() < o.until);
    if (cursor) break; // the window ended mid-pass
    passes++;
    const ids = new Set(seen.map((c) => c.conversationId));
    const pinnedFirst = seen.slice(0, o.pinned).every((c) => c.pinned);
    complete &&= ids.size === o.expect && seen.length === o.expect && pinnedFirst;
  }
  s.close();
  return {
    passes,
    pages,
    firstPage: first.summary(),
    laterPages: later.summary(),
    allPages: all.summary(),
    complete,
    errors,
  };
}
