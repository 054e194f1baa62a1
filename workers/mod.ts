export { startWorker } from "./worker.ts";
export type { RunningWorker } from "./worker.ts";
