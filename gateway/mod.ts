export { startGateway } from "./gateway.ts";
export type { RunningGateway } from "./gateway.ts";
