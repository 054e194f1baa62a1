/**
 * Process and runtime metrics, and build info. prom-client's default collectors read /proc,
 * `process.cpuUsage()` and perf_hooks' event-loop delay monitor: they work on Deno once the
 * process runs with -A (every process here does; without it they read 0). Their text is
 * appended to our registry's at scrape time, under prom-client's own names (process_*,
 * nodejs_*), which dashboards and alerts written for Node services already know.
 */
import client from "prom-client";
import sharedMeta from "../deno.json" with { type: "json" };
import { Gauge, type Registry } from "../metrics.ts";

export const SERVER_VERSION: string = sharedMeta.version;

export interface BuildInfo {
  /** "gateway", "worker", "http-api". */
  service: string;
  revision: string;
}

export function addProcessMetrics(registry: Registry, build: BuildInfo): void {
  const prom = new client.Registry();
  // The event-loop monitor samples every 10 ms by default; 20 ms halves its cost and still
  // shows a stalled loop.
  client.collectDefaultMetrics({ register: prom, eventLoopMonitoringPrecision: 20 });
  registry.appendText(() => prom.metrics());
  registry.add(
    new Gauge("im_build_info", "Always 1: the build this process runs.", [
      "service",
      "version",
      "revision",
      "deno",
    ]),
  ).labels(build.service, SERVER_VERSION, build.revision, Deno.version.deno).set(1);
}
