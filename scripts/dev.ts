/**
 * `deno task dev`: a small supervisor. It checks everything first (every setting at once, both
 * stores, the JWT secret), starts a private Redis or MariaDB when the local one does not answer
 * and its server is installed, migrates, and only then runs scripts/dev_server.ts under
 * `--watch`. A start that fails therefore prints why and exits non-zero, instead of the watcher
 * waiting for a file change that cannot fix a missing store. On exit it stops the app, then the
 * stores it started.
 *
 * Usage: deno run -A scripts/dev.ts [--dir <state folder, default .dev/>]
 */
import { stripVTControlCharacters } from "node:util";
import { ConfigError, loadConfig } from "@im/shared/config";
import { createDb, ensureDatabase, migrateToLatest, splitMysqlUrl } from "@im/shared/db";
import { checkStores, isLoopbackUrl, type StoreProblem } from "./preflight.ts";
import {
  findBinary,
  installHint,
  type PrivateStore,
  SERVER_BINARIES,
  startPrivateStore,
} from "./dev_stores.ts";
import { devSecretFile } from "./dev_secret.ts";
import { READY, STOPPED } from "./dev_server.ts";

const ROOT = new URL("../", import.meta.url).pathname;
const say = (line: string) => console.error(`dev: ${line}`);

function fail(problems: string[], code: number): never {
  console.error(`dev: cannot start:\n  - ${problems.join("\n  - ")}`);
  Deno.exit(code);
}

const dirArg = Deno.args.indexOf("--dir");
const devDir = dirArg >= 0 ? Deno.args[dirArg + 1] : `${ROOT}.dev`;
const env = Deno.env.toObject();
// What the watched process gets on top of our environment.
const childEnv: Record<string, string> = {};
// A development server listens on loopback unless told otherwise.
if (env.HOST === undefined) childEnv.HOST = "127.0.0.1";
const started: PrivateStore[] = [];
const stopStores = async () => {
  for (const s of started.splice(0).reverse()) await s.stop();
};

// 1. Settings, all at once.
let config;
const problems: string[] = [];
try {
  config = loadConfig((name) => childEnv[name] ?? env[name]);
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  problems.push(...err.problems);
}
if (!env.JWT_SECRET && !env.JWT_SECRET_FILE) {
  await Deno.mkdir(devDir, { recursive: true, mode: 0o700 });
  const secret = await devSecretFile(`${devDir}/jwt_secret`);
  if (secret.problem) problems.push(secret.problem);
  else {
    childEnv.JWT_SECRET_FILE = secret.path;
    if (secret.created) say(`JWT secret created in ${secret.path} (kept across restarts)`);
  }
} else if (env.JWT_SECRET_FILE && !env.JWT_SECRET) {
  const text = await Deno.readTextFile(env.JWT_SECRET_FILE).catch((e) => `${e}`);
  if (text.trim().length < 32) {
    problems.push(`JWT_SECRET_FILE ${env.JWT_SECRET_FILE} must hold a secret of 32+ characters`);
  }
}
if (problems.length || !config) fail(problems, 2);

// 2. Stores: start a private one where the local one is down and its server is installed.
const exit = async (code: number) => {
  await stopStores();
  Deno.exit(code);
};
for (const p of await checkStores(config)) {
  const solved = await privateStoreFor(p).catch((err) => {
    problems.push(`${p.message} Starting a private server failed: ${(err as Error).message}`);
    return true;
  });
  if (!solved) problems.push(p.message);
}
if (problems.length) {
  await stopStores();
  fail(problems, 1);
}

async function privateStoreFor(p: StoreProblem): Promise<boolean> {
  const url = p.store === "redis" ? config!.redisUrl : config!.mysqlUrl;
  if (p.kind !== "unreachable" || !isLoopbackUrl(url)) return false;
  const binary = findBinary(SERVER_BINARIES[p.store]);
  if (!binary) {
    problems.push(`${p.message} Or install it and dev starts its own: ${installHint(p.store)}`);
    return true;
  }
  const database = p.store === "mysql" ? splitMysqlUrl(url).database : undefined;
  const s = await startPrivateStore(p.store, devDir, { binary, database });
  started.push(s);
  childEnv[p.store === "redis" ? "REDIS_URL" : "MYSQL_URL"] = s.url;
  say(
    `${p.url} does not answer: started a private ${binary} on 127.0.0.1:${s.port} ` +
      `(data in ${s.dataDir}; stopped when dev exits)`,
  );
  return true;
}

// 3. Schema (the watched process applies migrations added later on each restart).
const mysqlUrl = childEnv.MYSQL_URL ?? config.mysqlUrl;
try {
  await ensureDatabase(mysqlUrl);
  const db = createDb(mysqlUrl, 1);
  await migrateToLatest(db).finally(() => db.destroy());
} catch (err) {
  console.error(`dev: migrating failed: ${(err as Error).message}`);
  await exit(1);
}

// 4. The watched process. Its stderr passes through us so we can tell its first start from a
// failure, and a clean stop (after which the watcher waits) from a running app.
const child = new Deno.Command(Deno.execPath(), {
  args: ["run", "-A", "--watch", "scripts/dev_server.ts"],
  cwd: ROOT,
  env: childEnv,
  stdin: "null",
  stdout: "inherit",
  stderr: "piped",
}).spawn();
let ready = false, stoppedRun = false;
const { promise: firstStart, resolve: settleFirstStart } = Promise.withResolvers<boolean>();
(async () => {
  let buf = "";
  const enc = new TextEncoder();
  for await (const chunk of child.stderr.pipeThrough(new TextDecoderStream())) {
    await Deno.stderr.write(enc.encode(chunk));
    buf += chunk;
    let i;
    while ((i = buf.indexOf("\n")) >= 0) {
      const line = stripVTControlCharacters(buf.slice(0, i));
      buf = buf.slice(i + 1);
      if (line === READY) (ready = true, settleFirstStart(true));
      else if (line === STOPPED) stoppedRun = true;
      else if (/^Watcher Process started/.test(line)) stoppedRun = false;
      else if (!ready && /^Watcher Process (failed|finished)/.test(line)) settleFirstStart(false);
    }
  }
})();
child.status.then(() => settleFirstStart(false));

let stopping = false;
async function shutdown(code: number) {
  if (stopping) return;
  stopping = true;
  const waitFor = async (cond: () => boolean, ms: number) => {
    for (const end = Date.now() + ms; !cond() && Date.now() < end;) {
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  let exited = false;
  child.status.then(() => exited = true);
  const signal = (s: Deno.Signal) => {
    if (!exited) child.kill(s);
  };
  // The first SIGTERM stops the app (gateway drains, worker releases its leases); the watcher
  // then waits for a change, and only a second one ends it.
  if (!stoppedRun) signal("SIGTERM");
  await waitFor(() => stoppedRun || exited, 15_000);
  signal("SIGTERM");
  await waitFor(() => exited, 5_000);
  signal("SIGKILL");
  await child.status;
  await exit(code);
}

if (!(await firstStart)) {
  say("the server failed to start (see above); fix it and run `deno task dev` again");
  await shutdown(1);
}
for (const s of ["SIGINT", "SIGTERM"] as const) Deno.addSignalListener(s, () => shutdown(0));
child.status.then((s) => shutdown(s.code || 1));
