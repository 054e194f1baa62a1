/**
 * A real Prometheus (Debian's /usr/bin/prometheus) for tests: loopback only, its own temporary
 * storage, scraping the given targets every second; stopped (and its files removed) by close().
 */
import { freePort } from "../dev_stores.ts";

export interface Prometheus {
  url: string;
  /** An instant query's result vector. */
  query(expr: string): Promise<Array<{ metric: Record<string, string>; value: number }>>;
  /** Every metric name it has stored. */
  names(): Promise<string[]>;
  close(): Promise<void>;
}

export async function startPrometheus(
  jobs: Record<string, string[]>,
  binary = "prometheus",
): Promise<Prometheus> {
  const dir = await Deno.makeTempDir({ prefix: "im-prom-" });
  const scrape = Object.entries(jobs).map(([job, targets]) =>
    `  - job_name: ${job}\n    static_configs:\n      - targets: ${JSON.stringify(targets)}`
  ).join("\n");
  await Deno.writeTextFile(
    `${dir}/prometheus.yml`,
    `global:\n  scrape_interval: 1s\n  scrape_timeout: 900ms\nscrape_configs:\n${scrape}\n`,
  );
  const port = freePort();
  const child = new Deno.Command(binary, {
    args: [
      `--config.file=${dir}/prometheus.yml`,
      `--storage.tsdb.path=${dir}/data`,
      `--web.listen-address=127.0.0.1:${port}`,
    ],
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const stderr: string[] = [];
  (async () => {
    for await (const c of child.stderr.pipeThrough(new TextDecoderStream())) stderr.push(c);
  })().catch(() => {});
  const url = `http://127.0.0.1:${port}`;
  const close = async () => {
    try {
      child.kill("SIGTERM");
    } catch { /* gone */ }
    await child.status;
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  };
  const until = Date.now() + 20_000;
  for (;;) {
    const ok = await fetch(`${url}/-/ready`).then((r) => (r.body?.cancel(), r.ok), () => false);
    if (ok) break;
    if (Date.now() > until) {
      await close();
      throw new Error(`prometheus did not become ready:\n${stderr.join("")}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  const api = async (path: string) => {
    const r = await fetch(`${url}${path}`);
    const j = await r.json();
    if (j.status !== "success") throw new Error(`${path}: ${JSON.stringify(j)}`);
    return j.data;
  };
  return {
    url,
    async query(expr) {
      const data = await api(`/api/v1/query?query=${encodeURIComponent(expr)}`);
      return (data.result as Array<{ metric: Record<string, string>; value: [number, string] }>)
        .map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
    },
    names: () => api("/api/v1/label/__name__/values"),
    close,
  };
}
