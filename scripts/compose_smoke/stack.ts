/**
 * The compose project of the smoke run: docker-compose 1.29 (Debian's; the v2 plugin is not
 * installable here) over docker-compose.yml plus the host-network override, and what the
 * checks need to see of its containers.
 */
import { run, type RunOptions, type RunResult } from "./docker.ts";

export const ROOT = new URL("../../", import.meta.url).pathname;
export const OVERRIDE = "scripts/compose_smoke/docker-compose.smoke.yml";
export const PROJECT = "imsmoke";
const ONE_SHOT = new Set(["secret-init", "migrate"]);
export const SERVICES = [
  "mariadb",
  "redis",
  "secret-init",
  "migrate",
  "gateway1",
  "gateway2",
  "worker",
];

export interface Container {
  service: string;
  status: string;
  exitCode: number;
  health: string;
  id: string;
  image: string;
}

/**
 * docker-compose.yml with the override, as docker-compose itself resolves them, minus `ports`:
 * docker-py refuses port bindings on the host network (which publishes nothing anyway), and a
 * v1 override can add list entries but never remove them.
 */
export function withoutPorts(resolved: string): string {
  const out: string[] = [];
  let skipping = false;
  for (const line of resolved.split("\n")) {
    if (line === "    ports:") skipping = true;
    else if (skipping && /^( {6}| {4}- )/.test(line)) continue;
    else skipping = false;
    if (!skipping) out.push(line);
  }
  return out.join("\n");
}

export class Stack {
  constructor(
    readonly env: Record<string, string>,
    readonly log: string,
    private readonly dir: string,
  ) {}

  async compose(args: string[], o: RunOptions = {}): Promise<RunResult> {
    const env = { ...this.env, COMPOSE_PROJECT_NAME: PROJECT, ...o.env };
    const files = ["-f", "docker-compose.yml", "-f", OVERRIDE];
    const resolved = await run("docker-compose", [...files, "config"], { cwd: ROOT, env });
    // It holds this run's passwords: outside the repo, readable by us only.
    const file = `${this.dir}/compose.resolved.yml`;
    await Deno.writeTextFile(file, withoutPorts(resolved.out), { mode: 0o600 });
    return await run("docker-compose", ["-f", file, "--project-directory", ROOT, ...args], {
      cwd: ROOT,
      logFile: this.log,
      ...o,
      env,
    });
  }

  docker(args: string[], o: RunOptions = {}): Promise<RunResult> {
    return run("docker", args, { ...o, env: { ...this.env, ...o.env } });
  }

  async containers(): Promise<Container[]> {
    const ids = (await this.docker([
      "ps",
      "-aq",
      "--filter",
      `label=com.docker.compose.project=${PROJECT}`,
    ])).out.split("\n").filter(Boolean);
    if (!ids.length) return [];
    // Whole JSON: a format template fails on containers without a healthcheck.
    type Inspect = {
      Id: string;
      Image: string;
      Config: { Labels: Record<string, string> };
      State: { Status: string; ExitCode: number; Health?: { Status: string } };
    };
    const all = JSON.parse((await this.docker(["inspect", ...ids])).out) as Inspect[];
    return all.map((c) => ({
      service: c.Config.Labels["com.docker.compose.service"],
      status: c.State.Status,
      exitCode: c.State.ExitCode,
      health: c.State.Health?.Status ?? "-",
      id: c.Id,
      image: c.Image,
    }));
  }

  /**
   * Waits until the one-shot jobs exited 0 and every other service runs healthy, with
   * `workers` worker replicas; fails at once when a job failed (with its log).
   */
  async healthy(workers: number, ms = 240_000): Promise<Container[]> {
    const end = Date.now() + ms;
    let last: Container[] = [];
    while (Date.now() < end) {
      last = await this.containers();
      for (const c of last) {
        if (ONE_SHOT.has(c.service) && c.status === "exited" && c.exitCode !== 0) {
          throw new Error(
            `${c.service} failed (exit ${c.exitCode}):\n${await this.logs(c.id, 30)}`,
          );
        }
        if (c.health === "unhealthy") {
          const log = await this.docker([
            "inspect",
            "--format",
            "{{json .State.Health.Log}}",
            c.id,
          ]);
          throw new Error(`${c.service} is unhealthy: ${log.out.slice(-1500)}`);
        }
      }
      const ok = (c: Container) =>
        ONE_SHOT.has(c.service)
          ? c.status === "exited" && c.exitCode === 0
          : c.status === "running" && c.health === "healthy";
      const running = last.filter((c) => !(c.service === "worker" && c.status !== "running"));
      const present = new Set(running.map((c) => c.service));
      const nWorkers = running.filter((c) => c.service === "worker").length;
      if (SERVICES.every((s) => present.has(s)) && nWorkers === workers && running.every(ok)) {
        return running;
      }
      await new Promise((r) => setTimeout(r, 1000));
    }
    const summary = last.map((c) => `${c.service}:${c.status}/${c.health}`).join(" ");
    throw new Error(`stack not healthy within ${ms / 1000} s: ${summary}`);
  }

  async logs(id: string, tail?: number): Promise<string> {
    return (await this.docker(["logs", ...(tail ? ["--tail", String(tail)] : []), id])).out;
  }

  /** The port a worker container's process announced in its last "worker started" line. */
  async workerPort(id: string): Promise<number> {
    const lines = (await this.logs(id)).split("\n").filter((l) => l.includes('"worker started"'));
    const port = lines.length ? JSON.parse(lines[lines.length - 1]).port : 0;
    if (!port) throw new Error(`worker ${id.slice(0, 12)} has not announced its port`);
    return port;
  }

  async exec(id: string, cmd: string[]): Promise<string> {
    return (await this.docker(["exec", id, ...cmd])).out;
  }
}

/** A password for this run only: URL-safe, never written to the repo or the log. */
export function randomPassword(): string {
  const b = crypto.getRandomValues(new Uint8Array(18));
  return btoa(String.fromCharCode(...b)).replaceAll("+", "-").replaceAll("/", "_");
}
