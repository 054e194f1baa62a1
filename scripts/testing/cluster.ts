/**
 * Runs the real processes (gateways, workers) as child processes of the real deno binary, so
 * tests can SIGKILL and SIGTERM them. Each cluster uses the database and key prefix of one
 * testEnv(), and learns each child's port from its "started" log line.
 */
import type { TestEnv } from "@im/shared/testing";

const ROOT = new URL("../../", import.meta.url).pathname;

export interface Proc {
  kind: "gateway" | "worker";
  child: Deno.ChildProcess;
  port: number;
  id: string;
  log: string[];
  /** What it wrote to stderr (also copied to ours). */
  stderr: string[];
  exited: Promise<Deno.CommandStatus>;
  kill(signal?: Deno.Signal): Promise<Deno.CommandStatus>;
}

export function envFor(env: TestEnv, extra: Record<string, string> = {}): Record<string, string> {
  return {
    MYSQL_URL: env.config.mysqlUrl,
    REDIS_URL: env.config.redisUrl,
    KEY_PREFIX: env.config.keyPrefix,
    JWT_SECRET: env.config.jwtSecret,
    PARTITIONS: String(env.config.partitions),
    HOST: "127.0.0.1",
    PORT: "0",
    WORKER_PORT: "0",
    LOG_LEVEL: "info",
    ...extra,
  };
}

export async function spawn(
  kind: "gateway" | "worker",
  env: Record<string, string>,
  timeoutMs = 20_000,
): Promise<Proc> {
  const script = kind === "gateway" ? "gateway/main.ts" : "workers/main.ts";
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", script],
    cwd: ROOT,
    env,
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const log: string[] = [];
  const stderr: string[] = [];
  (async () => {
    for await (const chunk of child.stderr.pipeThrough(new TextDecoderStream())) {
      stderr.push(chunk);
      await Deno.stderr.write(new TextEncoder().encode(chunk));
    }
  })().catch(() => {});
  const started = kind === "gateway" ? "gateway started" : "worker started";
  const { promise: ready, resolve: resolveReady } = Promise.withResolvers<
    { port: number; id: string }
  >();
  (async () => {
    const lines = child.stdout.pipeThrough(new TextDecoderStream());
    let buf = "";
    for await (const chunk of lines) {
      buf += chunk;
      let i;
      while ((i = buf.indexOf("\n")) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        log.push(line);
        if (line.includes(started)) {
          const j = JSON.parse(line);
          resolveReady({ port: j.port, id: j.gatewayId ?? j.workerId });
        }
      }
    }
  })().catch(() => {});
  const exited = child.status;
  const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
  const info = await Promise.race([
    ready,
    exited.then((s) => {
      throw new Error(`${kind} exited (${s.code}) before starting:\n${log.join("\n")}`);
    }),
  ]);
  clearTimeout(timer);
  return {
    kind,
    child,
    log,
    stderr,
    exited,
    ...info,
    async kill(signal: Deno.Signal = "SIGTERM") {
      try {
        child.kill(signal);
      } catch {
        // already gone
      }
      return await exited;
    },
  };
}

export interface TestSession {
  userId: string;
  accessToken: string;
  wsUrl: string;
}

/** Registers a user on a running gateway and logs in one device; fails loudly on any refusal. */
export async function signUp(port: number, username: string, deviceId = "d"): Promise<TestSession> {
  const post = async (path: string, body: unknown, want: number) => {
    const r = await fetch(`http://127.0.0.1:${port}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    if (r.status !== want) throw new Error(`${path} ${username}: ${r.status} ${await r.text()}`);
    return await r.json();
  };
  const password = "cluster test pw";
  await post("/v1/auth/register", { username, password }, 201);
  return await post("/v1/auth/login", { username, password, deviceId }, 200) as TestSession;
}
