export * from "./connect.ts";
export * from "./write_behind.ts";
export * from "./migrate.ts";
export type * from "./schema.ts";
