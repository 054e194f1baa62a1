/** Gateway process: `deno run -A gateway/main.ts`. SIGTERM/SIGINT close sockets with 4000 and drain. */
import { ConfigError, loadConfig } from "@im/shared/config";
import { createLogger, type Level } from "@im/shared/log";
import { startGateway } from "./gateway.ts";

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
  const log = createLogger(config.logLevel as Level, { proc: "gateway" });
  let gateway;
  try {
    gateway = await startGateway(config, log);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      Deno.exit(2);
    }
    throw err;
  }
  const stop = () => gateway.stop().then(() => Deno.exit(0));
  Deno.addSignalListener("SIGTERM", stop);
  Deno.addSignalListener("SIGINT", stop);
}
