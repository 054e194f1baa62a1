/**
 * Metrics as an operator sees them: a real Prometheus (Debian's package, on loopback) scrapes a
 * real gateway and worker while traffic runs, and is queried. Counters exist at zero before they
 * move, worker-side rejections count by code, every hop is measured, stream lag and partition
 * ownership are exported, the process metrics are real; and every query of the Grafana dashboard
 * is valid PromQL that answers with the metrics these processes export.
 */
import assert from "node:assert/strict";
import { missingTool, testEnv } from "@im/shared/testing";
import { TestSocket } from "@im/gateway/testing";
import { envFor, type Proc, signUp, spawn } from "./testing/cluster.ts";
import { startPrometheus } from "./testing/prometheus.ts";

const NAME = "prometheus: a real server scrapes a gateway and a worker and answers every query";
const DASHBOARD = new URL(
  "../deploy/observability/grafana/dashboards/im-server.json",
  import.meta.url,
);

/** Every PromQL expression of the dashboard, Grafana's variables replaced as it would. */
export async function dashboardQueries(): Promise<string[]> {
  const dash = JSON.parse(await Deno.readTextFile(DASHBOARD));
  // deno-lint-ignore no-explicit-any
  return dash.panels.flatMap((p: any) => (p.targets ?? []).map((t: any) => t.expr as string));
}

export const metricNames = (expr: string) => [
  ...new Set(expr.match(/\b(?:im|process|nodejs)_[a-z0-9_]+\b/g) ?? []),
];

Deno.test({
  name: NAME,
  ignore: await missingTool(NAME, "prometheus", ["--version"]),
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const env = await testEnv({ partitions: 4 });
    const procs: Proc[] = [];
    let prom: Awaited<ReturnType<typeof startPrometheus>> | null = null;
    try {
      const base = envFor(env, { BLOCK_MS: "200" });
      const gw = await spawn("gateway", base);
      const worker = await spawn("worker", base);
      procs.push(gw, worker);
      prom = await startPrometheus({
        gateway: [`127.0.0.1:${gw.port}`],
        worker: [`127.0.0.1:${worker.port}`],
      });
      const one = async (expr: string) => {
        const r = await prom!.query(expr);
        assert.equal(r.length, 1, `${expr}: ${JSON.stringify(r)}`);
        return r[0].value;
      };
      const eventually = async (expr: string, want: (v: number) => boolean) => {
        const end = Date.now() + 15_000;
        let last: unknown;
        while (Date.now() < end) {
          const r = await prom!.query(expr);
          last = r;
          if (r.length === 1 && want(r[0].value)) return r[0].value;
          await new Promise((r) => setTimeout(r, 300));
        }
        throw new Error(`${expr} never held; last ${JSON.stringify(last)}`);
      };

      // Before any traffic: both targets up, counters at zero.
      await eventually('sum(up{job=~"gateway|worker"})', (v) => v === 2);
      assert.equal(await one('im_gateway_frames_in_total{type="msg.send"}'), 0);
      assert.equal(await one('im_worker_error_frames_total{code="3002"}'), 0);
      assert.equal(await one('im_worker_repushes_total{attempt="1"}'), 0);
      assert.equal(await one('im_dead_letters_total{reason="max deliveries exceeded"}'), 0);

      const alice = await signUp(gw.port, "alice");
      const bob = await signUp(gw.port, "bob");
      const wrong = await fetch(`http://127.0.0.1:${gw.port}/v1/auth/login`, {
        method: "POST",
        body: JSON.stringify({ username: "alice", password: "not her password" }),
      });
      assert.equal(wrong.status, 401);
      await wrong.body?.cancel();
      const a = await TestSocket.open(`ws://127.0.0.1:${gw.port}/ws`, alice.accessToken);
      const b = await TestSocket.open(`ws://127.0.0.1:${gw.port}/ws`, bob.accessToken);
      await a.request({
        type: "msg.send",
        id: "m1",
        data: { to: bob.userId, clientMsgId: "m1", kind: "text", body: "hi" },
      }, "msg.sent");
      await b.next("msg.new");
      // Refused by the worker (a message to oneself) and by the gateway (not JSON).
      await a.request({
        type: "msg.send",
        id: "m2",
        data: { to: alice.userId, clientMsgId: "m2", kind: "text", body: "me" },
      }, "error");
      a.send("{not json");
      await a.next("error");

      await eventually('im_gateway_frames_in_total{type="msg.send"}', (v) => v === 2);
      await eventually('im_worker_error_frames_total{code="3002"}', (v) => v === 1);
      await eventually('im_gateway_error_frames_total{code="1001"}', (v) => v === 1);
      assert.equal(await one('im_gateway_error_frames_total{code="3009"}'), 0);
      await eventually('im_auth_logins_total{result="invalid_credentials"}', (v) => v === 1);
      await eventually('im_auth_logins_total{result="ok"}', (v) => v === 2);
      await eventually('im_auth_registrations_total{result="ok"}', (v) => v === 2);
      await eventually(
        'im_http_responses_total{route="/v1/auth/login",status="401"}',
        (v) => v === 1,
      );
      for (const hop of ["ingest", "queue", "commit", "publish", "deliver", "write"]) {
        await eventually(`sum(im_message_hop_seconds_count{hop="${hop}"})`, (v) => v >= 1);
      }
      await eventually("im_message_send_commit_seconds_count", (v) => v >= 2);
      assert.ok(await one('im_worker_handler_seconds_count{lane="tx",type="msg.send"}') >= 1);
      assert.ok(await one('sum(im_redis_command_seconds_count{command="xadd"})') >= 2);
      assert.ok(await one('sum(im_mysql_query_seconds_count{pool="worker"})') >= 1);
      assert.ok(await one('im_mysql_pool_connections{pool="worker",state="open"}') >= 1);
      assert.equal(await one('im_gateway_connections{job="gateway"}'), 2);
      // Streams and partitions.
      assert.equal(await one('im_stream_lag{stream="p0"}'), 0);
      assert.equal(await one("sum(im_partition_leased)"), 4);
      assert.equal(await one("im_worker_partitions_owned"), 4);
      assert.equal(await one("im_workers_live"), 1);
      assert.equal(await one("im_dead_letters"), 0);
      // Process, runtime and build.
      assert.ok(await one('process_cpu_seconds_total{job="worker"}') > 0);
      assert.ok(await one('process_resident_memory_bytes{job="gateway"}') > 10e6);
      assert.equal(await one('count(im_build_info{service="gateway"})'), 1);

      // The dashboard: every query parses and answers, and names only metrics exported here.
      const names = new Set(await prom.names());
      const queries = await dashboardQueries();
      assert.ok(queries.length >= 30);
      for (const q of queries) {
        for (const n of metricNames(q)) assert.ok(names.has(n), `${n} (in ${q}) is not exported`);
        // A rate() needs two scrapes of a series inside its window; on a loaded machine a scrape
        // can time out, so give each query a few more scrapes before calling it empty.
        const expr = q.replaceAll("$__rate_interval", "30s");
        let r = await prom.query(expr);
        for (let i = 0; r.length === 0 && i < 20; i++) {
          await new Promise((r) => setTimeout(r, 500));
          r = await prom.query(expr);
        }
        assert.ok(r.length > 0, `dashboard query answers nothing: ${q}`);
      }
      await a.close();
      await b.close();
    } finally {
      await prom?.close();
      for (const p of procs) await p.kill("SIGTERM");
      await env.close();
    }
  },
});
