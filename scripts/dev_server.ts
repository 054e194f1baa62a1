/**
 * The process `deno task dev` watches (scripts/dev.ts starts it with --watch once its checks
 * pass): one gateway and one worker in one process, after applying any new migration. Every
 * setting comes from the environment dev.ts prepared (stores, JWT_SECRET_FILE, HOST).
 */
import { loadConfig } from "@im/shared/config";
import { createDb, migrateToLatest } from "@im/shared/db";
import { createLogger, type Level } from "@im/shared/log";
import { startGateway } from "@im/gateway";
import { startWorker } from "@im/workers";

/** Lines dev.ts reads on our stderr to follow the watched process. */
export const READY = "dev: ready";
export const STOPPED = "dev: stopped";

if (import.meta.main) {
  const config = loadConfig();
  const db = createDb(config.mysqlUrl, 1);
  await migrateToLatest(db).finally(() => db.destroy());

  const log = createLogger(config.logLevel as Level);
  const worker = await startWorker(config, log.child({ proc: "worker" }));
  const gateway = await startGateway(config, log.child({ proc: "gateway" }));
  const http = (port: number) => `http://${hostForUrl(config.host)}:${port}`;
  console.error(
    [
      `dev: web app and HTTP API on ${http(gateway.port)}/ (WebSocket ${gateway.wsUrl})`,
      `dev: gateway health ${http(gateway.port)}/healthz /readyz /metrics`,
      `dev: worker health ${http(worker.port)}/healthz /readyz /metrics`,
      READY,
    ].join("\n"),
  );
  let stopping: Promise<void> | null = null;
  const stop = () => {
    stopping ??= (async () => {
      await gateway.stop();
      await worker.stop();
      console.error(STOPPED);
      Deno.exit(0);
    })();
  };
  Deno.addSignalListener("SIGINT", stop);
  Deno.addSignalListener("SIGTERM", stop);
}

/** A listen address as a browser can open it: the wildcard is reached through loopback. */
function hostForUrl(host: string): string {
  if (host === "0.0.0.0" || host === "") return "127.0.0.1";
  if (host === "::") return "[::1]";
  return host.includes(":") ? `[${host}]` : host;
}
