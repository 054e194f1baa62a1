/**
 * Processes and helpers for the browser test: a worker and gateways as real child processes
 * (so one can be killed), and a front server that serves client/web/dist and forwards /v1/ to
 * a live gateway, as a static server or load balancer in front of them would.
 */
import type { TestEnv } from "@im/shared/testing";
import { TEST_JWT_SECRET } from "@im/shared/testing";
import type { Locator, Page } from "playwright-core";

export const ROOT = new URL("../../", import.meta.url);
export const DIST = new URL("client/web/dist/", ROOT);
export const SHOTS = new URL("artifacts/screenshots/", ROOT);
const LOGS = new URL("artifacts/e2e-logs/", ROOT);

export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export { freePort } from "../../scripts/dev_stores.ts";

/** Builds the web app into DIST (as `deno task web:build` does); fails the test if it fails. */
export async function buildWebApp(): Promise<void> {
  const built = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL("build.ts", import.meta.url).pathname],
    stdout: "null",
    stderr: "piped",
  }).output();
  if (!built.success) {
    throw new Error(`web build failed: ${new TextDecoder().decode(built.stderr)}`);
  }
  await Deno.stat(new URL("index.html", DIST));
}

export class Proc {
  #child: Deno.ChildProcess | null = null;

  constructor(
    readonly name: string,
    private readonly script: string,
    private readonly env: Record<string, string>,
    readonly port = 0,
  ) {}

  async start(): Promise<void> {
    await Deno.mkdir(LOGS, { recursive: true });
    const log = await Deno.open(new URL(`${this.name}.log`, LOGS), {
      create: true,
      append: true,
    });
    this.#child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", this.script],
      cwd: ROOT.pathname,
      env: this.env,
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const w = log.writable;
    this.#child.stdout.pipeTo(w, { preventClose: true }).catch(() => {});
    this.#child.stderr.pipeTo(w, { preventClose: true }).catch(() => {});
    if (this.port) await waitReady(`http://127.0.0.1:${this.port}/readyz`, 30_000);
  }

  async kill(signal: Deno.Signal = "SIGKILL"): Promise<void> {
    const c = this.#child;
    this.#child = null;
    if (!c) return;
    try {
      c.kill(signal);
    } catch {
      // exited already
    }
    await c.status;
  }
}

async function waitReady(url: string, ms: number): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    try {
      const r = await fetch(url);
      await r.body?.cancel();
      if (r.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > end) throw new Error(`${url} not ready within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export function processEnv(env: TestEnv, extra: Record<string, string>): Record<string, string> {
  const inherit = Object.fromEntries(
    ["PATH", "HOME", "DENO_DIR", "TMPDIR"].flatMap((k) => {
      const v = Deno.env.get(k);
      return v === undefined ? [] : [[k, v]];
    }),
  );
  return {
    ...inherit,
    REDIS_URL: env.config.redisUrl,
    MYSQL_URL: env.config.mysqlUrl,
    KEY_PREFIX: env.config.keyPrefix,
    JWT_SECRET: TEST_JWT_SECRET,
    PARTITIONS: String(env.config.partitions),
    HOST: "127.0.0.1",
    LOG_LEVEL: "info",
    LEASE_TTL_MS: "2000",
    GATEWAY_TTL_SEC: "3",
    ...extra,
  };
}

/** Serves the built app and forwards /v1/ to the first gateway that answers. */
export function startFront(upstreams: () => number[]): Deno.HttpServer<Deno.NetAddr> {
  return Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    const url = new URL(req.url);
    if (url.pathname.startsWith("/v1/")) {
      const body = req.body ? await req.arrayBuffer() : undefined;
      for (const port of upstreams()) {
        try {
          return await fetch(`http://127.0.0.1:${port}${url.pathname}${url.search}`, {
            method: req.method,
            headers: req.headers,
            body,
          });
        } catch {
          // that gateway is down: try the next
        }
      }
      return Response.json({ error: { code: 5001, message: "no gateway" } }, { status: 502 });
    }
    const name = url.pathname === "/" ? "index.html" : url.pathname.slice(1);
    if (!/^[\w.-]+$/.test(name)) return new Response("not found", { status: 404 });
    try {
      const file = await Deno.readFile(new URL(name, DIST));
      return new Response(file, { headers: { "content-type": contentType(name) } });
    } catch {
      return new Response("not found", { status: 404 });
    }
  });
}

function contentType(name: string): string {
  if (name.endsWith(".html")) return "text/html; charset=utf-8";
  if (name.endsWith(".js")) return "text/javascript; charset=utf-8";
  if (name.endsWith(".css")) return "text/css; charset=utf-8";
  return "application/octet-stream";
}

export async function shot(page: Page, name: string): Promise<void> {
  await Deno.mkdir(SHOTS, { recursive: true });
  await page.screenshot({ path: new URL(`${name}.png`, SHOTS).pathname });
}

/** Waits until the attribute has one of the values (Playwright's `expect` is not in -core). */
export async function waitAttr(
  loc: Locator,
  attr: string,
  values: string[],
  ms = 15_000,
): Promise<string> {
  const end = Date.now() + ms;
  let last: string | null = null;
  for (;;) {
    last = await loc.getAttribute(attr, { timeout: ms }).catch(() => null);
    if (last !== null && values.includes(last)) return last;
    if (Date.now() > end) throw new Error(`${attr} is ${last}, wanted one of ${values.join("|")}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
