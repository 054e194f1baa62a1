/** Fixture for the auth integration tests: real MariaDB and Redis, the app called in-process. */
import type { Hono } from "hono";
import type { Config } from "@im/shared/config";
import { IoredisKv } from "@im/shared/kv";
import { createLogger } from "@im/shared/log";
import { TEST_JWT_SECRET, type TestEnv, testEnv } from "@im/shared/testing";
import type { AuthDeps } from "./deps.ts";
import { authRoutes } from "./routes.ts";

export interface TestApp {
  app: Hono;
  deps: AuthDeps;
  env: TestEnv;
  /** Every log line written, to check that secrets never reach the log. */
  logs: string[];
  revoked: { userId: string; deviceId: string; sessionId: string }[];
  gateway: { gatewayId: string; url: string } | null;
  post(path: string, body: unknown, headers?: Record<string, string>): Promise<Response>;
}

export async function withApp(
  overrides: Partial<Config>,
  fn: (t: TestApp) => Promise<void>,
): Promise<void> {
  const env = await testEnv(overrides);
  try {
    const logs: string[] = [];
    const revoked: TestApp["revoked"] = [];
    const holder: { gateway: TestApp["gateway"] } = {
      gateway: { gatewayId: "gw-test", url: "ws://127.0.0.1:9999/ws" },
    };
    const deps: AuthDeps = {
      db: env.db,
      kv: new IoredisKv(env.redis, env.keys),
      keys: env.keys,
      config: env.config,
      jwtSecret: TEST_JWT_SECRET,
      log: createLogger("debug", {}, (line) => logs.push(line)),
      pickGateway: () => Promise.resolve(holder.gateway),
      onSessionRevoked: (userId, deviceId, sessionId) => {
        revoked.push({ userId, deviceId, sessionId });
        return Promise.resolve();
      },
      clientIp: (c) => c.req.header("x-test-ip") ?? "203.0.113.7",
    };
    const app = authRoutes(deps);
    const post = async (path: string, body: unknown, headers: Record<string, string> = {}) =>
      await app.request(path, {
        method: "POST",
        headers: { "content-type": "application/json", ...headers },
        body: typeof body === "string" ? body : JSON.stringify(body),
      });
    await fn({
      app,
      deps,
      env,
      logs,
      revoked,
      get gateway() {
        return holder.gateway;
      },
      set gateway(g) {
        holder.gateway = g;
      },
      post,
    });
  } finally {
    await env.close();
  }
}

export async function registerUser(t: TestApp, username: string, password: string) {
  const res = await t.post("/v1/auth/register", { username, password });
  if (res.status !== 201) throw new Error(`register ${username}: ${res.status}`);
  return await res.json() as { userId: string; username: string; nickname: string };
}

export interface SessionBody {
  userId: string;
  username: string;
  deviceId: string;
  accessToken: string;
  accessExpiresIn: number;
  refreshToken: string;
  refreshExpiresIn: number;
  gatewayId: string;
  wsUrl: string;
}
