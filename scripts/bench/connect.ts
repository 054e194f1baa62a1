/** Opening a load generator's connections, and the heartbeats that keep them open. */
import type { FloorTransport } from "./floor.ts";
import type { LoadSpec, ReadyEvent } from "./load_types.ts";
import { now, sleep } from "./ticker.ts";
import {
  type BenchSocket,
  type ClientKind,
  type ClientOptions,
  connectClient,
} from "./ws_client.ts";

export interface ConnHandlers {
  onText(i: number, text: string): void;
  onClose(i: number): void;
}

/** Opens every connection, a few at a time, each ready once its hello arrives. */
export async function openAll(
  spec: LoadSpec,
  sockets: Array<BenchSocket | null>,
  floor: FloorTransport | null,
  h: ConnHandlers,
): Promise<ReadyEvent> {
  const t0 = now();
  let opened = 0, failed = 0, next = 0;
  const errors: string[] = [];
  const connectOne = async (i: number) => {
    try {
      await openOne(spec, i, sockets, floor, h);
      opened++;
    } catch (err) {
      failed++;
      if (errors.length < 5) errors.push(String((err as Error)?.message ?? err));
    }
  };
  await Promise.all(
    Array.from({ length: Math.min(spec.connectConcurrency, spec.conns.length) }, async () => {
      while (next < spec.conns.length) await connectOne(next++);
    }),
  );
  return { event: "ready", opened, failed, connectSec: Math.round(now() - t0) / 1000, errors };
}

async function openOne(
  spec: LoadSpec,
  i: number,
  sockets: Array<BenchSocket | null>,
  floor: FloorTransport | null,
  h: ConnHandlers,
): Promise<void> {
  const c = spec.conns[i];
  let hello!: () => void;
  const gotHello = new Promise<void>((r) => hello = r);
  const o: ClientOptions = {
    hostname: c.hostname,
    port: c.port,
    path: "/ws",
    token: c.token,
    readBufferBytes: spec.role === "idle" ? 2048 : 65536,
    onText: (text) => {
      if (text.startsWith('{"type":"hello"')) hello();
      else h.onText(i, text);
    },
    onClose: () => {
      sockets[i] = null;
      hello();
      h.onClose(i);
    },
  };
  const conn = {
    userId: c.userId,
    partner: c.partner,
    deviceId: `bench${i}`,
    connId: `p${spec.proc}c${i}`,
  };
  sockets[i] = await (floor ? floor.open(conn, o) : connectClient(spec.client as ClientKind, o));
  await Promise.race([gotHello, sleep(15_000)]);
  if (!sockets[i]) throw new Error("closed before hello");
}

/**
 * Heartbeats keep idle connections inside the gateway's idle timeout: a slice of the connections
 * every 100 ms, so they are spread over the interval. Returns a stop function.
 */
export function startHeartbeats(sockets: Array<BenchSocket | null>, heartbeatSec: number) {
  const every = Math.max(1000, (heartbeatSec * 1000) / 2);
  let next = 0;
  const timer = setInterval(() => {
    const per = Math.ceil(sockets.length / (every / 100));
    for (let k = 0; k < per && sockets.length; k++) {
      sockets[next]?.sendText('{"type":"ping"}');
      next = (next + 1) % sockets.length;
    }
  }, 100);
  return () => clearInterval(timer);
}
