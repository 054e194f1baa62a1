/** Worker process: `deno run -A workers/main.ts`. SIGTERM/SIGINT finish the batch and release leases. */
import { loadConfigOrExit } from "@im/shared/config";
import { createLogger, type Level } from "@im/shared/log";
import { startWorker } from "./worker.ts";

if (import.meta.main) {
  const config = loadConfigOrExit();
  const log = createLogger(config.logLevel as Level, { proc: "worker" });
  const worker = await startWorker(config, log);
  const stop = () => worker.stop().then(() => Deno.exit(0));
  Deno.addSignalListener("SIGTERM", stop);
  Deno.addSignalListener("SIGINT", stop);
}
