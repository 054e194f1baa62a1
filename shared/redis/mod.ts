export * from "./connect.ts";
export * from "./lease.ts";
export * from "./routes.ts";
