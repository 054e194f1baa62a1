/**
 * `deno task dev`: one gateway and one worker in one process against local Redis and MySQL,
 * after migrating. A JWT secret is generated for the session when none is configured.
 */
import { ConfigError, loadConfig } from "@im/shared/config";
import { createDb, ensureDatabase, migrateToLatest } from "@im/shared/db";
import { createLogger, type Level } from "@im/shared/log";
import { startGateway } from "@im/gateway";
import { startWorker } from "@im/workers";
import { preflight } from "./preflight.ts";

try {
  const env = (name: string) => Deno.env.get(name);
  let config = loadConfig(env);
  if (!config.jwtSecret && !config.jwtSecretFile) {
    const secret = btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(32))));
    config = { ...config, jwtSecret: secret };
    console.error("dev: JWT_SECRET not set; using a random one for this run (tokens die with it)");
  }
  const problems = await preflight(config);
  if (problems.length) {
    console.error(`dev: cannot start:\n  ${problems.join("\n  ")}`);
    Deno.exit(1);
  }
  await ensureDatabase(config.mysqlUrl);
  const db = createDb(config.mysqlUrl, 1);
  await migrateToLatest(db);
  await db.destroy();

  const log = createLogger(config.logLevel as Level);
  const worker = await startWorker({ ...config, workerPort: 0 }, log.child({ proc: "worker" }));
  const gateway = await startGateway(config, log.child({ proc: "gateway" }));
  console.error(`dev: gateway on http://127.0.0.1:${gateway.port} (WebSocket ${gateway.wsUrl})`);
  const stop = async () => {
    await gateway.stop();
    await worker.stop();
    Deno.exit(0);
  };
  Deno.addSignalListener("SIGINT", stop);
  Deno.addSignalListener("SIGTERM", stop);
} catch (err) {
  console.error(err instanceof ConfigError ? err.message : err);
  Deno.exit(1);
}
