/**
 * A real S3-compatible server for tests and benchmarks: s3rver on loopback, on a free port, in
 * its own temporary directory, as a child process (`kill()` is an outage; `start()` again
 * brings the same store back on the same port).
 */
import type { S3Options } from "../s3.ts";

const MAIN = new URL("./s3rver_main.ts", import.meta.url).pathname;

export class S3rverProcess {
  #child: Deno.ChildProcess | null = null;
  port = 0;

  private constructor(readonly dir: string, readonly bucket: string) {}

  static async start(bucket = "media"): Promise<S3rverProcess> {
    const s = new S3rverProcess(await Deno.makeTempDir({ prefix: "s3rver-" }), bucket);
    await s.start();
    return s;
  }

  get options(): S3Options {
    return {
      bucket: this.bucket,
      endpoint: `http://127.0.0.1:${this.port}`,
      region: "us-east-1",
      accessKeyId: "S3RVER",
      secretAccessKey: "S3RVER",
      forcePathStyle: true,
    };
  }

  async start(): Promise<void> {
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", MAIN, String(this.port), this.dir, this.bucket],
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
    this.#child = child;
    const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
    let out = "";
    const deadline = setTimeout(() => child.kill("SIGKILL"), 30_000);
    while (!/ready (\d+)/.test(out)) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`s3rver did not start: ${out}`);
      out += value;
    }
    clearTimeout(deadline);
    this.port = Number(/ready (\d+)/.exec(out)![1]);
    // Keep draining its stdout so it never blocks on a full pipe.
    (async () => {
      while (!(await reader.read()).done);
    })().catch(() => {});
  }

  /** An outage: SIGKILL, no goodbye to open connections. */
  async kill(): Promise<void> {
    const c = this.#child;
    this.#child = null;
    if (!c) return;
    try {
      c.kill("SIGKILL");
    } catch {
      // gone already
    }
    await c.status;
  }

  async stop(): Promise<void> {
    await this.kill();
    await Deno.remove(this.dir, { recursive: true }).catch(() => {});
  }
}
