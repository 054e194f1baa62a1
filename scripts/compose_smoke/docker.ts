/**
 * A private Docker daemon for the smoke run (its own data root, exec root and socket under the
 * smoke folder, no iptables, no bridge: containers use the host's network or none), and a
 * small runner for docker, docker-compose and friends that shows the tail of a failed
 * command's output.
 */

export class CommandError extends Error {}

export interface RunOptions {
  env?: Record<string, string>;
  cwd?: string;
  /** Appends the command's output here instead of returning it. */
  logFile?: string;
  /** Resolve with the result instead of throwing on a non-zero exit. */
  allowFail?: boolean;
  stdin?: string;
}

export interface RunResult {
  code: number;
  out: string;
}

export async function run(cmd: string, args: string[], o: RunOptions = {}): Promise<RunResult> {
  const child = new Deno.Command(cmd, {
    args,
    env: o.env,
    cwd: o.cwd,
    stdin: o.stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (o.stdin !== undefined) {
    const w = child.stdin.getWriter();
    await w.write(new TextEncoder().encode(o.stdin));
    await w.close();
  }
  const res = await child.output();
  const dec = new TextDecoder();
  const out = dec.decode(res.stdout) + dec.decode(res.stderr);
  if (o.logFile) {
    await Deno.writeTextFile(o.logFile, `$ ${cmd} ${args.join(" ")}\n${out}\n`, { append: true });
  }
  if (!res.success && !o.allowFail) {
    const tail = out.trim().split("\n").slice(-25).join("\n");
    throw new CommandError(`${cmd} ${args.slice(0, 4).join(" ")} ... exited ${res.code}:\n${tail}`);
  }
  return { code: res.code, out };
}

export interface Daemon {
  /** Environment for docker and docker-compose: DOCKER_HOST and the classic builder. */
  env: Record<string, string>;
  stop(): Promise<void>;
}

function ownsDataRoot(pid: number, dataRoot: string): boolean {
  try {
    return Deno.readTextFileSync(`/proc/${pid}/cmdline`).split("\0").includes(
      `--data-root=${dataRoot}`,
    );
  } catch {
    return false;
  }
}

/** Starts dockerd for `dir` (or adopts the one a crashed run left there) and waits for it. */
export async function startDaemon(dir: string): Promise<Daemon> {
  const dataRoot = `${dir}/docker`;
  const pidFile = `${dir}/dockerd.pid`;
  const socket = `${dir}/docker.sock`;
  const env = {
    DOCKER_HOST: `unix://${socket}`,
    // The daemon (20.10) has no BuildKit session support without buildx: use the classic
    // builder, as docker-compose 1.29 (docker-py) does anyway.
    DOCKER_BUILDKIT: "0",
    COMPOSE_DOCKER_CLI_BUILD: "0",
    // vfs copies a whole image per container: on a busy machine a create outlasts the 60 s
    // docker-compose waits by default.
    COMPOSE_HTTP_TIMEOUT: "600",
  };
  await Deno.mkdir(`${dir}/exec`, { recursive: true });
  const readPid = () => Number(Deno.readTextFileSync(pidFile).trim() || 0);
  let pid = 0;
  try {
    pid = readPid();
  } catch { /* none yet */ }
  if (!pid || !ownsDataRoot(pid, dataRoot)) {
    await Deno.remove(pidFile).catch(() => {});
    const args = [
      "--iptables=false",
      "--ip-forward=false",
      "--ip-masq=false",
      "--bridge=none",
      "--storage-driver=vfs",
      `--data-root=${dataRoot}`,
      `--exec-root=${dir}/exec`,
      `--pidfile=${pidFile}`,
      "-H",
      `unix://${socket}`,
    ];
    // Its own session (a Ctrl-C reaches us, and we stop it after its containers) and its own
    // log file (it must not depend on our pipes to keep running).
    const child = new Deno.Command("setsid", {
      args: ["sh", "-c", `exec dockerd "$@" >>"${dir}/dockerd.log" 2>&1`, "dockerd", ...args],
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).spawn();
    child.unref();
  }
  for (let i = 0; i < 120; i++) {
    if ((await run("docker", ["version"], { env, allowFail: true })).code === 0) {
      pid = readPid();
      return {
        env,
        async stop() {
          await stopDaemon(pid, dataRoot);
          await unmountUnder(dir);
        },
      };
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new CommandError(`dockerd did not come up in 30 s; see ${dir}/dockerd.log`);
}

/** SIGTERM to our dockerd (it stops its containers and its containerd), SIGKILL after 30 s. */
async function stopDaemon(pid: number, dataRoot: string): Promise<void> {
  if (!ownsDataRoot(pid, dataRoot)) return;
  Deno.kill(pid, "SIGTERM");
  for (let i = 0; i < 300 && ownsDataRoot(pid, dataRoot); i++) {
    await new Promise((r) => setTimeout(r, 100));
  }
  if (ownsDataRoot(pid, dataRoot)) Deno.kill(pid, "SIGKILL");
}

/** dockerd leaves its data root and network namespace mounted after it stops. */
async function unmountUnder(path: string): Promise<void> {
  const mounts = (await Deno.readTextFile("/proc/mounts").catch(() => "")).split("\n")
    .map((l) => l.split(" ")[1]).filter((m) => m?.startsWith(`${path}/`));
  for (const m of mounts.reverse()) await run("umount", [m], { allowFail: true });
}
