/**
 * HTTP-only API process: `deno task http`. Serves the HTTP API (no WebSockets); with
 * REDIS_REST_URL + REDIS_REST_TOKEN it reaches Redis over the REST API only. SIGTERM/SIGINT
 * finish in-flight requests, then exit.
 */
import { ConfigError, loadConfigOrExit } from "@im/shared/config";
import { createLogger, type Level } from "@im/shared/log";
import { startHttpApi } from "./http_api.ts";

if (import.meta.main) {
  const config = loadConfigOrExit();
  const log = createLogger(config.logLevel as Level, { proc: "http-api" });
  let api;
  try {
    api = startHttpApi(config, log);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    console.error(err.message); // no JWT secret, or half a REST configuration
    Deno.exit(2);
  }
  const stop = () => api.stop().then(() => Deno.exit(0));
  Deno.addSignalListener("SIGTERM", stop);
  Deno.addSignalListener("SIGINT", stop);
}
