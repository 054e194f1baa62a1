/**
 * Container healthcheck: exits 0 when this container's gateway or worker answers /readyz.
 *
 *   deno run -A scripts/healthcheck.ts gateway|worker   (Deno grants /proc only with -A)
 *
 * The port is PORT (gateway) or WORKER_PORT (worker). When it is 0, as for worker replicas that
 * share the host's network and so cannot share a port, it is the port the container's own
 * process listens on, read from /proc: a healthcheck runs in its container's PID namespace, so
 * every process it sees there but itself is the container's.
 */

/** TCP ports in LISTEN state whose sockets belong to one of `pids`. */
export function listeningPorts(pids: number[]): number[] {
  const inodes = new Set<string>();
  for (const pid of pids) {
    let fds: Deno.DirEntry[] = [];
    try {
      fds = [...Deno.readDirSync(`/proc/${pid}/fd`)];
    } catch { /* gone, or not ours */ }
    for (const fd of fds) {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(Deno.readLinkSync(`/proc/${pid}/fd/${fd.name}`));
        if (m) inodes.add(m[1]);
      } catch { /* closed meanwhile */ }
    }
  }
  const ports = new Set<number>();
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    let text = "";
    try {
      text = Deno.readTextFileSync(table);
    } catch { /* no IPv6 */ }
    for (const line of text.split("\n").slice(1)) {
      const f = line.trim().split(/\s+/);
      // f[1] local address "0100007F:1F90", f[3] state (0A = LISTEN), f[9] inode
      if (f.length > 9 && f[3] === "0A" && inodes.has(f[9])) {
        ports.add(parseInt(f[1].split(":").pop()!, 16));
      }
    }
  }
  return [...ports].sort((a, b) => a - b);
}

function otherPids(): number[] {
  return [...Deno.readDirSync("/proc")].map((e) => Number(e.name))
    .filter((pid) => Number.isInteger(pid) && pid > 0 && pid !== Deno.pid);
}

async function ready(port: number): Promise<boolean> {
  try {
    const r = await fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(3000) });
    await r.body?.cancel();
    return r.ok;
  } catch {
    return false;
  }
}

if (import.meta.main) {
  const role = Deno.args[0];
  if (role !== "gateway" && role !== "worker") {
    console.error("usage: healthcheck.ts gateway|worker");
    Deno.exit(2);
  }
  const configured = Number(
    Deno.env.get(role === "gateway" ? "PORT" : "WORKER_PORT") ?? (role === "gateway" ? 8080 : 8090),
  );
  const ports = configured ? [configured] : listeningPorts(otherPids());
  for (const port of ports) {
    if (await ready(port)) Deno.exit(0);
  }
  console.error(`not ready (ports tried: ${ports.join(", ") || "none found"})`);
  Deno.exit(1);
}
