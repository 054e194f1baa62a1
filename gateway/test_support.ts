/**
 * In-process system for gateway tests: real MariaDB and Redis (unique DB and key prefix),
 * one worker and one or more gateways on free ports, and a small WebSocket test client.
 */
import type { Config } from "@im/shared/config";
import { createLogger, type Level } from "@im/shared/log";
import { type TestEnv, testEnv } from "@im/shared/testing";
import { startWorker } from "@im/workers";
import { type RunningGateway, startGateway } from "./gateway.ts";

const log = createLogger((Deno.env.get("TEST_LOG") ?? "error") as Level);

export interface Session {
  userId: string;
  deviceId: string;
  accessToken: string;
  refreshToken: string;
  wsUrl: string;
}

export interface System {
  env: TestEnv;
  gateways: RunningGateway[];
  http(path: string, init?: RequestInit): Promise<Response>;
  register(username: string, deviceId?: string): Promise<Session>;
  login(username: string, deviceId?: string): Promise<Session>;
  close(): Promise<void>;
}

export async function startSystem(
  overrides: Partial<Config> = {},
  gatewayCount = 1,
): Promise<System> {
  // Media go to a directory of this run's own (unless the test names a store).
  const mediaDir = await Deno.makeTempDir({ prefix: "im-media-" });
  const env = await testEnv({
    mediaDir,
    host: "127.0.0.1",
    port: 0,
    workerPort: 0,
    partitions: 4,
    leaseTtlMs: 1000,
    blockMs: 200,
    ...overrides,
  });
  const worker = await startWorker(env.config, log);
  const gateways: RunningGateway[] = [];
  for (let i = 0; i < gatewayCount; i++) gateways.push(await startGateway(env.config, log));
  const base = () => `http://127.0.0.1:${gateways[0].port}`;
  const http = (path: string, init?: RequestInit) => fetch(`${base()}${path}`, init);
  const post = (path: string, body: unknown) =>
    http(path, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
  const login = async (username: string, deviceId = "dev1") => {
    const r = await post("/v1/auth/login", { username, password: "correct horse", deviceId });
    if (r.status !== 200) throw new Error(`login ${username}: ${r.status} ${await r.text()}`);
    return await r.json() as Session;
  };
  return {
    env,
    gateways,
    http,
    login,
    async register(username, deviceId) {
      const r = await post("/v1/auth/register", { username, password: "correct horse" });
      if (r.status !== 201) throw new Error(`register ${username}: ${r.status} ${await r.text()}`);
      await r.body?.cancel();
      return await login(username, deviceId);
    },
    async close() {
      for (const g of gateways) await g.stop();
      await worker.stop();
      await env.close();
      await Deno.remove(mediaDir, { recursive: true }).catch(() => {});
    },
  };
}

// deno-lint-ignore no-explicit-any
export type Frame = { type: string; id?: string; data: any };

/** A WebSocket client that queues frames and lets a test wait for the next of a type. */
export class TestSocket {
  readonly frames: Frame[] = [];
  closed: Promise<CloseEvent>;
  #waiters: Array<() => void> = [];

  private constructor(readonly ws: WebSocket) {
    ws.onmessage = (e) => {
      this.frames.push(JSON.parse(e.data));
      this.#waiters.splice(0).forEach((w) => w());
    };
    this.closed = new Promise((r) => ws.addEventListener("close", (e) => r(e as CloseEvent)));
  }

  static async open(url: string, token: string): Promise<TestSocket> {
    const s = new TestSocket(new WebSocket(url, ["im.v1", `bearer.${token}`]));
    await s.next("hello");
    return s;
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === "string" ? frame : JSON.stringify(frame));
  }

  /** The next not-yet-taken frame matching `type` (and optional predicate). */
  async next(type: string, pred: (f: Frame) => boolean = () => true, ms = 5000): Promise<Frame> {
    const end = Date.now() + ms;
    for (;;) {
      const i = this.frames.findIndex((f) => f.type === type && pred(f));
      if (i >= 0) return this.frames.splice(i, 1)[0];
      if (Date.now() > end) {
        throw new Error(`no ${type} frame within ${ms} ms; have ${JSON.stringify(this.frames)}`);
      }
      await new Promise<void>((r) => {
        const t = setTimeout(r, 50);
        this.#waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
  }

  async request(
    frame: { type: string; id: string; data?: unknown },
    replyType: string,
  ): Promise<Frame> {
    this.send(frame);
    return await this.next(replyType, (f) => f.id === frame.id);
  }

  close(): Promise<CloseEvent> {
    this.ws.close();
    return this.closed;
  }
}
