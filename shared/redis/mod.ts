export * from "./connect.ts";
export * from "./lease.ts";
export * from "./routes.ts";
export * from "./dead_letters.ts";
export * from "./stream_stats.ts";
export * from "./pipeline.ts";
export * from "./scan.ts";
