import assert from "node:assert/strict";
import { listeningPorts } from "./healthcheck.ts";

const ROOT = new URL("../", import.meta.url).pathname;

Deno.test("healthcheck: finds the ports a process listens on, and only that process's", async () => {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "eval",
      "const s = Deno.serve({ hostname: '127.0.0.1', port: 0, onListen: ({ port }) => console.log(port) }, (r) => new URL(r.url).pathname === '/readyz' ? Response.json({ ok: true }) : new Response('no', { status: 404 }));",
    ],
    stdout: "piped",
    stderr: "null",
  }).spawn();
  try {
    const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
    const port = Number((await reader.read()).value!.trim());
    reader.releaseLock();
    assert.deepEqual(listeningPorts([child.pid]), [port]);
    const mine = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    assert.ok(!listeningPorts([child.pid]).includes((mine.addr as Deno.NetAddr).port));
    mine.close();
    // The CLI with WORKER_PORT set checks that port's /readyz.
    const run = (env: Record<string, string>) =>
      new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", "scripts/healthcheck.ts", "worker"],
        cwd: ROOT,
        env,
        stdout: "null",
        stderr: "null",
      }).output();
    assert.equal((await run({ WORKER_PORT: String(port) })).code, 0);
    assert.equal((await run({ WORKER_PORT: "1" })).code, 1);
  } finally {
    child.kill("SIGTERM");
    await child.status;
    await child.stdout.cancel().catch(() => {});
  }
});
