/** Worker process: `deno run -A workers/main.ts`. SIGTERM/SIGINT drain and release leases. */
import { ConfigError, loadConfig } from "@im/shared/config";
import { createLogger, type Level } from "@im/shared/log";
import { startWorker } from "./worker.ts";

if (import.meta.main) {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      Deno.exit(2);
    }
    throw err;
  }
  const log = createLogger(config.logLevel as Level, { proc: "worker" });
  const worker = await startWorker(config, log);
  const stop = () => worker.stop().then(() => Deno.exit(0));
  Deno.addSignalListener("SIGTERM", stop);
  Deno.addSignalListener("SIGINT", stop);
}
