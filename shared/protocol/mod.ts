export * from "./schema.ts";
export * from "./errors.ts";
export * from "./frames.ts";
