/**
 * A private redis-server for fault tests: its own port and data directory, AOF on (every write
 * fsynced each second, as compose runs it), so a test can SIGKILL it and start it again with
 * its data, without touching the machine's shared Redis.
 */
import { freePort } from "../dev_stores.ts";
export interface PrivateRedis {
  url: string;
  port: number;
  /** SIGKILL (no shutdown save): what an outage or an OOM kill looks like. */
  kill(): Promise<void>;
  /** Starts it again on the same port and data directory. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

export async function privateRedis(): Promise<PrivateRedis> {
  const port = freePort();
  const dir = await Deno.makeTempDir({ prefix: "im-redis-" });
  let child: Deno.ChildProcess | null = null;
  const start = async () => {
    child = new Deno.Command("redis-server", {
      args: [
        "--port",
        String(port),
        "--bind",
        "127.0.0.1",
        "--dir",
        dir,
        "--appendonly",
        "yes",
        "--appendfsync",
        "everysec",
        "--save",
        "",
      ],
      stdout: "null",
      stderr: "null",
    }).spawn();
    for (let i = 0; i < 100; i++) {
      const ok = await Deno.connect({ hostname: "127.0.0.1", port }).then((c) => {
        c.close();
        return true;
      }, () => false);
      if (ok) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`private redis-server did not start on ${port}`);
  };
  const kill = async () => {
    if (!child) return;
    const c: Deno.ChildProcess = child;
    child = null;
    try {
      c.kill("SIGKILL");
    } catch { /* gone */ }
    await c.status;
  };
  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    kill,
    start,
    async stop() {
      await kill();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    },
  };
}
