/** Gateway process: `deno run -A gateway/main.ts`. SIGTERM/SIGINT close sockets with 4000 and drain. */
import { ConfigError, loadConfigOrExit } from "@im/shared/config";
import { createLogger, type Level } from "@im/shared/log";
import { exitOnSignals } from "@im/shared/shutdown";
import { startGateway } from "./gateway.ts";

if (import.meta.main) {
  const config = loadConfigOrExit();
  const log = createLogger(config.logLevel as Level, { proc: "gateway" });
  const gateway = await startGateway(config, log).catch((err) => {
    if (!(err instanceof ConfigError)) throw err;
    console.error(err.message); // e.g. no JWT secret
    Deno.exit(2);
  });
  exitOnSignals(() => gateway.stop(), log, config.shutdownTimeoutMs);
}
