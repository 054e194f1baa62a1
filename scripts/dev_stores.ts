/**
 * Private Redis and MariaDB instances for `deno task dev`, started when the configured local
 * store does not answer and its server is installed: data in the repo's ignored `.dev/`, a free
 * loopback port, their own session (a Ctrl-C in the terminal reaches dev, which stops them
 * after the app), and a state file so a dev that died without cleaning up is adopted next time
 * instead of leaving a second server on the same files.
 */
import type { Store } from "./preflight.ts";

export interface PrivateStore {
  store: Store;
  url: string;
  port: number;
  pid: number;
  dataDir: string;
  /** SIGTERM, then waits for it to exit (SIGKILL after the timeout). */
  stop(timeoutMs?: number): Promise<void>;
}

/** The command that installs a missing server on Debian/Ubuntu (what our machines run). */
export function installHint(store: Store): string {
  const pkg = store === "redis" ? "redis-server" : "mariadb-server";
  const sudo = Deno.uid?.() === 0 ? "" : "sudo ";
  return `${sudo}apt-get install -y ${pkg}`;
}

const SEARCH = ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"];

/** The first of `names` found on PATH or in the sbin folders (mariadbd is not on most PATHs). */
export function findBinary(names: string[], path = Deno.env.get("PATH") ?? ""): string | null {
  const dirs = [...path.split(":").filter(Boolean), ...SEARCH];
  for (const name of names) {
    for (const dir of dirs) {
      try {
        const info = Deno.statSync(`${dir}/${name}`);
        if (info.isFile && (info.mode ?? 0o111) & 0o111) return `${dir}/${name}`;
      } catch { /* not here */ }
    }
  }
  return null;
}

export const SERVER_BINARIES: Record<Store, string[]> = {
  redis: ["redis-server"],
  mysql: ["mariadbd", "mysqld"],
};

/** A loopback port nothing listens on right now. */
export function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = l.addr as Deno.NetAddr;
  l.close();
  return port;
}

interface State {
  pid: number;
  port: number;
}

function alive(pid: number, dataDir: string): boolean {
  // Ours only if it works in our data folder (pids get reused; redis-server rewrites its
  // command line, but both servers chdir to their data directory).
  try {
    return Deno.realPathSync(`/proc/${pid}/cwd`) === Deno.realPathSync(dataDir);
  } catch {
    return false;
  }
}

async function waitFor(check: () => Promise<boolean>, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} did not come up within ${ms / 1000} s`);
}

async function canConnect(port: number): Promise<boolean> {
  try {
    (await Deno.connect({ hostname: "127.0.0.1", port })).close();
    return true;
  } catch {
    return false;
  }
}

function handle(
  store: Store,
  url: string,
  state: State,
  dataDir: string,
  stateFile: string,
): PrivateStore {
  return {
    store,
    url,
    port: state.port,
    pid: state.pid,
    dataDir,
    async stop(timeoutMs = 20_000) {
      // Signals go only to the process that still works in our folder, never to a reused pid.
      if (alive(state.pid, dataDir)) Deno.kill(state.pid, "SIGTERM");
      const end = Date.now() + timeoutMs;
      while (alive(state.pid, dataDir) && Date.now() < end) {
        await new Promise((r) => setTimeout(r, 100));
      }
      if (alive(state.pid, dataDir)) Deno.kill(state.pid, "SIGKILL");
      await Deno.remove(stateFile).catch(() => {});
    },
  };
}

/** Resolves when the spawned process exits (setsid itself, if it had to fork). */
function spawnDetached(bin: string, args: string[]): Promise<unknown> {
  // setsid: its own session, so the terminal's Ctrl-C reaches dev and not the store.
  const setsid = findBinary(["setsid"]);
  const child = new Deno.Command(setsid ?? bin, {
    args: setsid ? [bin, ...args] : args,
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
  child.unref();
  return child.status;
}

/** Starts (or adopts) a private store for `store` under `root` (the repo's `.dev/`). */
export async function startPrivateStore(
  store: Store,
  root: string,
  opts: { binary: string; database?: string; port?: number; timeoutMs?: number },
): Promise<PrivateStore> {
  const dataDir = `${root}/${store === "redis" ? "redis" : "mariadb"}`;
  const stateFile = `${root}/${store}.json`;
  const urlOf = (port: number) =>
    store === "redis"
      ? `redis://127.0.0.1:${port}`
      : `mysql://root@127.0.0.1:${port}/${opts.database ?? "im"}`;
  await Deno.mkdir(dataDir, { recursive: true, mode: 0o700 });
  try {
    const prev = JSON.parse(await Deno.readTextFile(stateFile)) as State;
    if (alive(prev.pid, dataDir) && await canConnect(prev.port)) {
      return handle(store, urlOf(prev.port), prev, dataDir, stateFile);
    }
  } catch { /* no previous instance */ }

  const port = opts.port ?? freePort();
  const logFile = `${root}/${store}.log`;
  // The server's own pid file is the truth about its pid (setsid may fork).
  const pidFile = `${dataDir}/${store === "redis" ? "redis" : "mariadbd"}.pid`;
  await Deno.remove(pidFile).catch(() => {});
  let args: string[];
  if (store === "redis") {
    args = [
      "--bind",
      "127.0.0.1",
      "--port",
      String(port),
      "--dir",
      dataDir,
      "--appendonly",
      "yes",
      "--save",
      "",
      "--logfile",
      logFile,
      "--pidfile",
      pidFile,
      "--protected-mode",
      "yes",
    ];
  } else {
    if (!await exists(`${dataDir}/mysql`)) await installMariadb(opts.binary, dataDir, logFile);
    args = [
      "--no-defaults", // never read /etc/mysql: its pid file and socket belong to the system server
      `--datadir=${dataDir}`,
      `--port=${port}`,
      "--bind-address=127.0.0.1",
      `--socket=${socketPath(root)}`,
      `--pid-file=${pidFile}`,
      `--log-error=${logFile}`,
      "--innodb-buffer-pool-size=64M",
      "--skip-log-bin",
      ...(Deno.uid?.() === 0 ? ["--user=root"] : []),
    ];
  }
  let exited = false;
  spawnDetached(opts.binary, args).then(() => exited = true);
  const state = { pid: 0, port };
  const readPid = async () => Number((await Deno.readTextFile(pidFile).catch(() => "")).trim());
  const h = () => handle(store, urlOf(port), state, dataDir, stateFile);
  try {
    await waitFor(
      async () => {
        state.pid ||= await readPid();
        if (exited && !state.pid) throw new Error(`${opts.binary} exited; see ${logFile}`);
        return state.pid > 0 && await canConnect(port);
      },
      opts.timeoutMs ?? 30_000,
      `${opts.binary} (log: ${logFile})`,
    );
  } catch (err) {
    if (state.pid) await h().stop(2000);
    throw err;
  }
  await Deno.writeTextFile(stateFile, JSON.stringify(state));
  return h();
}

async function exists(path: string): Promise<boolean> {
  return await Deno.stat(path).then(() => true, () => false);
}

/** A socket path short enough for the kernel's 108-byte limit. */
function socketPath(root: string): string {
  const p = `${root}/mariadb.sock`;
  return p.length < 100
    ? p
    : `${Deno.env.get("TMPDIR") ?? "/tmp"}/im-dev-${crypto.randomUUID()}.sock`;
}

async function installMariadb(binary: string, dataDir: string, logFile: string): Promise<void> {
  const dir = binary.slice(0, binary.lastIndexOf("/"));
  const install = findBinary(["mariadb-install-db", "mysql_install_db"], `${dir}:/usr/bin`);
  if (!install) throw new Error("mariadb-install-db not found (it comes with mariadb-server)");
  const out = await new Deno.Command(install, {
    args: [
      "--no-defaults",
      `--datadir=${dataDir}`,
      "--auth-root-authentication-method=normal", // root@localhost, no password: loopback only
      "--skip-test-db",
      ...(Deno.uid?.() === 0 ? ["--user=root"] : []),
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  await Deno.writeTextFile(logFile, text, { append: true });
  if (!out.success) throw new Error(`${install} failed; see ${logFile}`);
}
