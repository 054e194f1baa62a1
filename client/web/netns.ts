/**
 * Runs Chromium in a network namespace of its own whose only interface is loopback, so WebRTC
 * can gather nothing but 127.0.0.1 candidates and no media or STUN packet can go anywhere else
 * (the machine's other addresses do not exist in there). The app's ports are carried into the
 * namespace over Unix sockets (which cross namespaces): inside, `127.0.0.1:<port>` reaches the
 * host's `127.0.0.1:<port>`.
 *
 *   test process: unix <dir>/<port>.sock  ->  tcp 127.0.0.1:<port> (host)
 *   namespace:    tcp 127.0.0.1:<port>     ->  unix <dir>/<port>.sock      (this file, run there)
 */

/** Pipes two connections into each other until either side ends. */
async function splice(a: Deno.Conn, b: Deno.Conn): Promise<void> {
  await Promise.allSettled([a.readable.pipeTo(b.writable), b.readable.pipeTo(a.writable)]);
  for (const c of [a, b]) {
    try {
      c.close();
    } catch {
      // closed by the pipe already
    }
  }
}

/** Host side: each port's Unix socket forwards to that port on the host's loopback. */
export function hostBridges(dir: string, ports: number[]): () => void {
  const listeners = ports.map((port) => {
    const l = Deno.listen({ transport: "unix", path: `${dir}/${port}.sock` });
    (async () => {
      for await (const c of l) {
        Deno.connect({ hostname: "127.0.0.1", port }).then((up) => splice(c, up), () => c.close());
      }
    })().catch(() => {});
    return l;
  });
  return () => listeners.forEach((l) => l.close());
}

/** A launcher for Playwright's `executablePath`: Chromium inside a fresh loopback-only netns. */
export async function netnsChromium(
  dir: string,
  chromium: string,
  ports: number[],
): Promise<string> {
  const self = new URL(import.meta.url).pathname;
  const inner = [
    "ip link set lo up",
    // The bridge must not hold Playwright's pipe (fds 3 and 4) open.
    `"${Deno.execPath()}" run -A "${self}" "${dir}" ${ports.join(" ")} 3>&- 4>&- &`,
    `for i in $(seq 100); do [ -e "${dir}/ready" ] && break; sleep 0.05; done`,
    `exec "${chromium}" "$@"`,
  ].join("\n");
  const path = `${dir}/chromium.sh`;
  await Deno.writeTextFile(
    path,
    `#!/bin/sh\nexec unshare -n sh -c '${inner.replaceAll("'", "'\\''")}' chromium "$@"\n`,
  );
  await Deno.chmod(path, 0o755);
  return path;
}

/** Which address families exist in here (a check that the namespace is what it claims). */
export function interfaces(): string[] {
  return Deno.networkInterfaces().map((i) => i.address);
}

if (import.meta.main) {
  // Namespace side: listen on each port on (the namespace's) loopback, forward to the socket.
  const [dir, ...ports] = Deno.args;
  for (const p of ports.map(Number)) {
    const l = Deno.listen({ hostname: "127.0.0.1", port: p });
    (async () => {
      for await (const c of l) {
        Deno.connect({ transport: "unix", path: `${dir}/${p}.sock` }).then(
          (up) => splice(c, up),
          () => c.close(),
        );
      }
    })();
  }
  await Deno.writeTextFile(`${dir}/ready`, "");
  // Ends with the namespace: when Chromium exits, its parent shell's children are reaped.
  setInterval(() => {
    try {
      Deno.statSync(`${dir}/chromium.sh`);
    } catch {
      Deno.exit(0);
    }
  }, 1000);
}
