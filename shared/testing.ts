/**
 * Integration-test fixtures: each test run gets its own database and key prefix on the real
 * Redis and MySQL, so runs never see each other's data and can run side by side.
 */
import { type Config, loadConfig } from "./config/mod.ts";
import { createDb, type Db } from "./db/connect.ts";
import { dropDatabase, ensureDatabase, migrateToLatest } from "./db/migrate.ts";
import { createRedis, type Redis } from "./redis/connect.ts";
import { scanAll, unlinkAll } from "./redis/scan.ts";
import { Keys } from "./keys.ts";

export const TEST_JWT_SECRET = "test-secret-that-is-long-enough-0123456789";

export interface TestEnv {
  config: Config;
  db: Db;
  redis: Redis;
  keys: Keys;
  close(): Promise<void>;
}

export function uniqueName(tag: string): string {
  return `${tag}_${Date.now().toString(36)}_${crypto.randomUUID().slice(0, 8)}`;
}

/** A migrated, empty database and a fresh key prefix, torn down by `close()`. */
export async function testEnv(overrides: Partial<Config> = {}): Promise<TestEnv> {
  const base = loadConfig();
  const name = uniqueName("imtest");
  const url = new URL(base.mysqlUrl);
  url.pathname = `/${name}`;
  const config = loadConfig(undefined, {
    mysqlUrl: url.toString(),
    keyPrefix: `${name}:`,
    jwtSecret: TEST_JWT_SECRET,
    logLevel: "warn",
    ...overrides,
  });
  await ensureDatabase(config.mysqlUrl);
  // As the worker's pool: handler tests run their transactions with write-behind too.
  const db = createDb(config.mysqlUrl, 10, { writeBehind: true });
  await migrateToLatest(db);
  const redis = createRedis(config.redisUrl, "test");
  const keys = new Keys(config.keyPrefix);
  return {
    config,
    db,
    redis,
    keys,
    async close() {
      await db.destroy();
      await unlinkAll(redis, await scanAll(redis, `${config.keyPrefix}*`));
      redis.disconnect();
      await dropDatabase(config.mysqlUrl);
    },
  };
}

/**
 * Whether a tool a test needs is installed. When it is not, the reason is printed (so a skip is
 * visible in the run's output) and the caller passes `ignore: true`: a missing tool is a skip,
 * never a failure, and never something CI should paper over.
 */
export async function missingTool(
  test: string,
  cmd: string,
  args: string[] = ["--version"],
): Promise<boolean> {
  const ok = await new Deno.Command(cmd, { args, stdout: "null", stderr: "null" }).output()
    .then((o) => o.success, () => false);
  if (!ok) console.error(`SKIPPED "${test}": \`${cmd}\` is not installed`);
  return !ok;
}
