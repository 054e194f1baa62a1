/**
 * `deno task dev`'s supervisor, run as a real process: settings checked all at once, store
 * problems classified, a private Redis started when the local one is down, a failed first start
 * ends dev, and the JWT secret survives restarts. Databases are imtest_* and dropped after.
 */
import { stripVTControlCharacters } from "node:util";
import assert from "node:assert/strict";
import { dropDatabase } from "@im/shared/db";
import { loadConfig } from "@im/shared/config";
import { uniqueName } from "@im/shared/testing";
import { findBinary, freePort, SERVER_BINARIES } from "./dev_stores.ts";
import { checkStores } from "./preflight.ts";

const ROOT = new URL("../", import.meta.url).pathname;

interface Dev {
  child: Deno.ChildProcess;
  stderr: string[];
  /** Resolves with the first line matching `re` (or rejects when dev exits first). */
  line(re: RegExp, ms?: number): Promise<string>;
}

function dev(dir: string, env: Record<string, string>): Dev {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "scripts/dev.ts", "--dir", dir],
    cwd: ROOT,
    env: { WEB_ROOT: "", LOG_LEVEL: "warn", ...env },
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const stderr: string[] = [];
  let done = false;
  (async () => {
    let buf = "";
    for await (const chunk of child.stderr.pipeThrough(new TextDecoderStream())) {
      buf += chunk;
      const lines = buf.split("\n");
      buf = lines.pop()!;
      stderr.push(...lines.map((l) => stripVTControlCharacters(l)));
    }
    done = true;
  })();
  return {
    child,
    stderr,
    async line(re, ms = 30_000) {
      for (const end = Date.now() + ms; Date.now() < end;) {
        const hit = stderr.find((l) => re.test(l));
        if (hit) return hit;
        if (done) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`no line ${re} from dev; it said:\n${stderr.join("\n")}`);
    },
  };
}

/** dev's exit status, or a failure (after stopping it) when it is still running after `ms`. */
async function exited(d: Dev, ms = 60_000): Promise<Deno.CommandStatus> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<null>((r) => timer = setTimeout(() => r(null), ms));
  const status = await Promise.race([d.child.status, late]);
  clearTimeout(timer);
  if (status) return status;
  d.child.kill("SIGTERM"); // dev stops what it started
  await d.child.status;
  throw new Error(`dev still running after ${ms / 1000} s; it said:\n${d.stderr.join("\n")}`);
}

/**
 * These tests lean on the machine's MariaDB and Redis being up (a store that does not answer
 * would make dev start its own, which is another test's subject); other suites restart them.
 */
async function sharedStoresUp(): Promise<void> {
  for (const end = Date.now() + 60_000; Date.now() < end;) {
    if ((await checkStores(loadConfig())).length === 0) return;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error("the local MariaDB and Redis did not answer within 60 s");
}

async function withDir(fn: (dir: string, mysqlUrl: string) => Promise<void>) {
  await sharedStoresUp();
  const dir = await Deno.makeTempDir({ prefix: "im-dev-test-" });
  const url = new URL(loadConfig().mysqlUrl);
  url.pathname = `/${uniqueName("imtest")}`;
  try {
    await fn(dir, url.toString());
  } finally {
    await dropDatabase(url.toString());
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("dev: every bad setting, the short JWT secret too, is listed before anything starts", async () => {
  const d = dev("/nonexistent/never-created", {
    PARTITIONS: "abc",
    PORT: "99999",
    LOG_LEVEL: "loud",
    JWT_SECRET: "short",
  });
  const status = await exited(d);
  assert.equal(status.code, 2);
  const listed = d.stderr.filter((l) => l.startsWith("  - ")).map((l) => l.split(" ")[3]);
  assert.deepEqual(listed.sort(), ["JWT_SECRET", "LOG_LEVEL", "PARTITIONS", "PORT"]);
});

Deno.test("dev: refused MySQL credentials exit with 'fix the password', starting nothing", async () => {
  await withDir(async (dir, mysqlUrl) => {
    const url = new URL(mysqlUrl);
    url.username = "imtest_nobody";
    url.password = "not-the-password";
    const d = dev(dir, { MYSQL_URL: url.toString() });
    assert.equal((await exited(d)).code, 1);
    const text = d.stderr.join("\n");
    assert.match(text, /refused the credentials in MYSQL_URL/);
    assert.doesNotMatch(text, /started a private|not-the-password/);
  });
});

Deno.test("dev: a start that fails after the checks ends dev instead of waiting for a change", async () => {
  await withDir(async (dir, mysqlUrl) => {
    const busy = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    try {
      const port = (busy.addr as Deno.NetAddr).port;
      const d = dev(dir, { MYSQL_URL: mysqlUrl, PORT: String(port), WORKER_PORT: "0" });
      const status = await exited(d);
      assert.equal(status.code, 1, d.stderr.join("\n"));
      await d.line(/the server failed to start/, 5000);
    } finally {
      busy.close();
    }
  });
});

Deno.test({
  name: "dev: starts a private Redis, honours WORKER_PORT, listens on loopback, keeps logins",
  ignore: !findBinary(SERVER_BINARIES.redis) && Deno.env.get("CI") !== "true",
  async fn() {
    await withDir(async (dir, mysqlUrl) => {
      const env = {
        REDIS_URL: `redis://127.0.0.1:${freePort()}`, // nothing there: dev starts its own
        MYSQL_URL: mysqlUrl,
        PORT: String(freePort()),
        WORKER_PORT: String(freePort()),
      };
      let token = "";
      for (const run of [1, 2]) {
        const d = dev(dir, env);
        try {
          await d.line(/^dev: ready$/);
          const started = await d.line(/started a private .*redis-server on 127\.0\.0\.1:(\d+)/);
          await d.line(new RegExp(`worker health http://127\\.0\\.0\\.1:${env.WORKER_PORT}/`));
          const worker = await fetch(`http://127.0.0.1:${env.WORKER_PORT}/readyz`);
          assert.equal(worker.status, 200);
          assert.ok((await worker.json()).partitions.length > 0);
          const api = `http://127.0.0.1:${env.PORT}`;
          if (run === 1) {
            const mode = (await Deno.stat(`${dir}/jwt_secret`)).mode! & 0o777;
            assert.equal(mode, 0o600);
            const post = (path: string) =>
              fetch(`${api}${path}`, {
                method: "POST",
                headers: { "content-type": "application/json" },
                body: JSON.stringify({ username: "devuser", password: "correct horse" }),
              });
            assert.equal((await post("/v1/auth/register")).status, 201);
            token = (await (await post("/v1/auth/login")).json()).accessToken;
          }
          // Run 2: same secret, same private Redis data: the first run's login still works.
          const me = await fetch(`${api}/v1/users/by-name/devuser`, {
            headers: { authorization: `Bearer ${token}` },
          });
          assert.equal(me.status, 200, `run ${run}`);
          await me.body?.cancel();
          assert.ok(started);
        } finally {
          d.child.kill("SIGTERM");
          assert.equal((await d.child.status).code, 0, d.stderr.join("\n"));
        }
        // Stopped with dev: its state file is gone and nothing answers on its port.
        assert.equal(await Deno.stat(`${dir}/redis.json`).catch(() => null), null);
      }
    });
  },
});
