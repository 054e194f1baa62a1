/** Operations telemetry: traces, process metrics, Redis latency, reading metrics back. */
export * from "./tracing.ts";
export * from "./process.ts";
export * from "./redis.ts";
export * from "./prom_text.ts";
export * from "./stores.ts";
export * from "./hops.ts";
export * from "./probe.ts";
