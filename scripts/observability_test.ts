/**
 * The observability profile stays valid: docker-compose (Debian's v1, the syntax v2 reads too)
 * parses it with the profile on, its services mount files that exist, and the dashboard is
 * well-formed JSON whose every panel queries the provisioned Prometheus data source. That its
 * queries name exported metrics and answer is checked against a real Prometheus in
 * scripts/prometheus_test.ts.
 */
import assert from "node:assert/strict";
import { parse } from "yaml";
import { missingTool } from "@im/shared/testing";

const ROOT = new URL("../", import.meta.url).pathname;
const NAME = "observability: the compose profile parses and mounts what exists";

Deno.test({
  name: NAME,
  ignore: await missingTool(NAME, "docker-compose", ["version"]),
  async fn() {
    const out = await new Deno.Command("docker-compose", {
      args: ["--profile", "observability", "config"],
      cwd: ROOT,
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.ok(out.success, new TextDecoder().decode(out.stderr));
    // deno-lint-ignore no-explicit-any
    const config = parse(new TextDecoder().decode(out.stdout)) as any;
    for (const s of ["prometheus", "grafana", "jaeger"]) {
      assert.deepEqual(config.services[s]?.profiles, ["observability"], s);
    }
    for (const s of ["prometheus", "grafana"]) {
      // v1 prints "source:target:mode", v2 objects; bind sources are absolute paths.
      for (const v of config.services[s].volumes) {
        const source = typeof v === "string" ? v.split(":")[0] : v.type === "bind" && v.source;
        if (source && source.startsWith("/")) await Deno.stat(source); // throws when missing
      }
    }
    // The host-network pair that watches a bench run.
    const bench = await new Deno.Command("docker-compose", {
      args: ["-f", "deploy/observability/compose.bench.yml", "config"],
      cwd: ROOT,
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.ok(bench.success, new TextDecoder().decode(bench.stderr));
    // deno-lint-ignore no-explicit-any
    const host = parse(new TextDecoder().decode(bench.stdout)) as any;
    for (const s of ["prometheus", "grafana"]) {
      assert.equal(host.services[s].network_mode, "host");
      for (const v of host.services[s].volumes) {
        const source = typeof v === "string" ? v.split(":")[0] : v.source;
        await Deno.stat(source);
      }
    }
  },
});

Deno.test("observability: the dashboard is valid JSON on the provisioned data source", async () => {
  const dash = JSON.parse(
    await Deno.readTextFile(`${ROOT}deploy/observability/grafana/dashboards/im-server.json`),
  );
  const sources = parse(
    await Deno.readTextFile(
      `${ROOT}deploy/observability/grafana/provisioning/datasources/datasources.yml`,
    ),
  );
  const uids = new Set(sources.datasources.map((d: { uid: string }) => d.uid));
  const ids = new Set<number>();
  for (const p of dash.panels) {
    assert.ok(!ids.has(p.id), `panel id ${p.id} twice`);
    ids.add(p.id);
    if (p.type === "row") continue;
    assert.ok(uids.has(p.datasource.uid), `${p.title}: data source ${p.datasource.uid}`);
    assert.ok(p.targets.length > 0 && p.targets.every((t: { expr: string }) => t.expr));
  }
  const titles = dash.panels.map((p: { title: string }) => p.title).join(" | ");
  for (const want of [/Frames in/, /p99/, /lag/i, /Error/, /connections/i, /Dead letters/]) {
    assert.match(titles, want);
  }
});
