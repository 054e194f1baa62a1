export { startWorker } from "./worker.ts";
export type { RunningWorker } from "./worker.ts";
export { IceServers } from "./domains/calls/ice.ts";
