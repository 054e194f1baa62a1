export * from "./envelope.ts";
export * from "./results.ts";
export * from "./repush.ts";
