export * from "./load.ts";
export type { FieldSpec, Kind } from "./spec.ts";
