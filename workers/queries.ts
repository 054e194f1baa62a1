/**
 * Read-only queries other processes answer with the workers' own code, so an HTTP route and a
 * WebSocket frame can never disagree (the gateway's HTTP history route uses this).
 */
export { type HistoryOutcome, historyPage } from "./domains/sync/history.ts";
