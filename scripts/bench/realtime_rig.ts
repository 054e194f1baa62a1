/**
 * The system under test for scripts/bench/realtime.ts: a worker and two gateways as child
 * processes on a fresh database and key prefix (testEnv), users made in the tables, tokens
 * signed directly (no argon2 in the way), and clients over the bench's TCP_NODELAY WebSocket.
 */
import { type TestEnv, testEnv } from "@im/shared/testing";
import { signAccessToken } from "../../gateway/auth/tokens.ts";
import { freePort, OPEN_LIMITS, spawnDeno, type Spawned, stopProcess, waitReady } from "./procs.ts";
import { type BenchSocket, connectClient } from "./ws_client.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

// deno-lint-ignore no-explicit-any
export type Frame = { type: string; id?: string; data: any };

export interface Rig {
  env: TestEnv;
  worker: Spawned;
  /** [measured traffic, storm] gateway ports. */
  ports: number[];
  gateways: Spawned[];
  users(n: number): Promise<string[]>;
  token(userId: string, deviceId?: string): Promise<string>;
  connect(port: number, token: string, onFrame: (f: Frame) => void): Promise<BenchSocket>;
  restartGateway(i: number): Promise<void>;
  close(): Promise<void>;
  dir: string;
  sysEnv: Record<string, string>;
}

export async function startRig(extra: Record<string, string> = {}): Promise<Rig> {
  const env = await testEnv({ partitions: 8 });
  const dir = await Deno.makeTempDir({ prefix: "im-bench-rt-" });
  const c = env.config;
  const sysEnv: Record<string, string> = {
    PATH: Deno.env.get("PATH") ?? "",
    HOME: Deno.env.get("HOME") ?? "",
    REDIS_URL: c.redisUrl,
    MYSQL_URL: c.mysqlUrl,
    KEY_PREFIX: c.keyPrefix,
    JWT_SECRET: c.jwtSecret,
    PARTITIONS: String(c.partitions),
    HOST: "127.0.0.1",
    LOG_LEVEL: "warn",
    ...OPEN_LIMITS,
    MAX_DEVICES_PER_USER: "1000000",
    ACCESS_TTL_SEC: "86400",
    // The bench measures the machinery, not the per-connection typing policy.
    TYPING_MIN_INTERVAL_MS: "0",
    // Storm users watch each other without sharing conversations.
    PRESENCE_VISIBILITY: "everyone",
    ...extra,
  };
  const workerPort = await freePort();
  const worker = spawnDeno("worker", ["run", "-A", `${ROOT}workers/main.ts`], {
    ...sysEnv,
    WORKER_PORT: String(workerPort),
  }, `${dir}/worker.log`);
  const ports = [await freePort(), await freePort()];
  const spawnGateway = (i: number) =>
    spawnDeno("gateway", ["run", "-A", `${ROOT}gateway/main.ts`], {
      ...sysEnv,
      PORT: String(ports[i]),
      GATEWAY_ID: `bench-rt-${i}-${Date.now().toString(36)}`,
    }, `${dir}/gateway-${i}.log`);
  const gateways = [spawnGateway(0), spawnGateway(1)];
  await waitReady(`http://127.0.0.1:${workerPort}/readyz`, worker);
  for (let i = 0; i < 2; i++) await waitReady(`http://127.0.0.1:${ports[i]}/readyz`, gateways[i]);
  let made = 0;
  return {
    env,
    worker,
    ports,
    gateways,
    dir,
    sysEnv,
    async users(n) {
      const names = Array.from({ length: n }, (_, i) => `rt${made + i}_${dir.slice(-6)}`);
      made += n;
      for (let i = 0; i < names.length; i += 1000) {
        await env.db.insertInto("users").values(
          names.slice(i, i + 1000).map((username) => ({
            username,
            password_hash: "-",
            nickname: username,
            created_at: Date.now(),
          })),
        ).execute();
      }
      const rows = await env.db.selectFrom("users").select(["id", "username"])
        .where("username", "in", names).execute();
      const ids = new Map(rows.map((r) => [r.username, String(r.id)]));
      return names.map((n) => ids.get(n)!);
    },
    async token(userId, deviceId = "d1") {
      return (await signAccessToken(c.jwtSecret, { ...c, accessTtlSec: 86400 }, {
        userId,
        deviceId,
        sessionId: crypto.getRandomValues(new Uint8Array(16)).toHex(),
      })).token;
    },
    connect(port, token, onFrame) {
      return connectClient("raw", {
        hostname: "127.0.0.1",
        port,
        path: "/ws",
        token,
        readBufferBytes: 64 * 1024,
        onText: (t) => onFrame(JSON.parse(t)),
        onClose: () => {},
      });
    },
    async restartGateway(i) {
      await stopProcess(gateways[i]);
      gateways[i] = spawnGateway(i);
      await waitReady(`http://127.0.0.1:${ports[i]}/readyz`, gateways[i]);
    },
    async close() {
      for (const g of gateways) await stopProcess(g);
      await stopProcess(worker);
      await env.close();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    },
  };
}

/** CPU seconds a process has used so far (/proc/<pid>/stat, utime + stime). */
export function cpuSeconds(pid: number): number {
  const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
  const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(rest[11]) + Number(rest[12])) / 100;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits for a condition, polling; throws after `ms`. */
export async function until(cond: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}
