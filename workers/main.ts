/**
 * Worker process: `deno run -A workers/main.ts`. SIGTERM/SIGINT finish the batch and release leases,
 * within SHUTDOWN_TIMEOUT_MS.
 */
import { loadConfigOrExit } from "@im/shared/config";
import { createLogger, type Level } from "@im/shared/log";
import { exitOnSignals } from "@im/shared/shutdown";
import { startWorker } from "./worker.ts";

if (import.meta.main) {
  const config = loadConfigOrExit();
  const log = createLogger(config.logLevel as Level, { proc: "worker" });
  // A store unreachable at start (Redis or MySQL down) ends the process with one JSON line; the
  // orchestrator (compose's restart policy, Kubernetes) starts it again.
  const worker = await startWorker(config, log).catch((err) => {
    log.error("worker could not start", { err });
    Deno.exit(1);
  });
  exitOnSignals(() => worker.stop(), log, config.shutdownTimeoutMs);
}
