import assert from "node:assert/strict";
import { CONFIG_FIELDS, ConfigError, configTable, loadConfig } from "./load.ts";

const envOf = (vars: Record<string, string>) => (name: string) => vars[name];

Deno.test("config: defaults follow the MISSION defaults", () => {
  const c = loadConfig(envOf({}));
  assert.deepEqual(c.partitions, 16);
  assert.deepEqual(c.maxFrameBytes, 65536);
  assert.deepEqual(c.heartbeatSec, 25);
  assert.deepEqual(c.accessTtlSec, 3600);
  assert.deepEqual(c.refreshTtlSec, 86400);
  assert.deepEqual(c.maxBodyChars, 5000);
  assert.deepEqual(c.originAllowlist, []);
});

Deno.test("config: every bad field is reported at once", () => {
  let err: ConfigError | undefined;
  try {
    loadConfig(envOf({ PARTITIONS: "zero", PORT: "70000", LOG_LEVEL: "loud", KEY_PREFIX: "a b" }));
  } catch (e) {
    err = e as ConfigError;
  }
  assert.ok(err instanceof ConfigError);
  assert.deepEqual(err.problems.length, 4);
  assert.deepEqual(err.problems.some((p) => p.startsWith("PARTITIONS")), true);
  assert.deepEqual(err.problems.some((p) => p.startsWith("PORT")), true);
  assert.deepEqual(err.problems.some((p) => p.startsWith("LOG_LEVEL")), true);
  assert.deepEqual(err.problems.some((p) => p.startsWith("KEY_PREFIX")), true);
});

Deno.test("config: lists and overrides", () => {
  const c = loadConfig(envOf({ ORIGIN_ALLOWLIST: "https://a.example, https://b.example" }), {
    partitions: 4,
  });
  assert.deepEqual(c.originAllowlist, ["https://a.example", "https://b.example"]);
  assert.deepEqual(c.partitions, 4);
});

Deno.test("config: secrets are never echoed in problems", () => {
  const secrets = Object.values(CONFIG_FIELDS).filter((f) => "secret" in f && f.secret);
  assert.deepEqual(secrets.map((f) => f.env), [
    "REDIS_REST_TOKEN",
    "JWT_SECRET",
    "MEDIA_S3_SECRET_KEY",
    "TURN_SECRET",
    "ADMIN_TOKEN",
  ]);
  const table = configTable();
  for (const f of Object.values(CONFIG_FIELDS)) {
    assert.deepEqual(table.includes(`\`${f.env}\``), true);
  }
});

Deno.test("config: a short JWT_SECRET is reported with every other bad field, never echoed", () => {
  let err: ConfigError | undefined;
  try {
    loadConfig(
      envOf({ PARTITIONS: "abc", PORT: "99999", LOG_LEVEL: "loud", JWT_SECRET: "short-secret" }),
    );
  } catch (e) {
    err = e as ConfigError;
  }
  assert.ok(err instanceof ConfigError);
  assert.deepEqual(err.problems.map((p) => p.split(" ")[0]).sort(), [
    "JWT_SECRET",
    "LOG_LEVEL",
    "PARTITIONS",
    "PORT",
  ]);
  assert.ok(!err.message.includes("short-secret"));
});

Deno.test("config: the JWT secret rules judge only what was given", () => {
  // A worker runs without any secret; a 32-character one is enough.
  assert.equal(loadConfig(envOf({})).jwtSecret, "");
  assert.equal(loadConfig(envOf({ JWT_SECRET: "x".repeat(32) })).jwtSecret.length, 32);
  assert.throws(
    () => loadConfig(envOf({ JWT_SECRET: "x".repeat(31) })),
    (e: ConfigError) => e.problems.length === 1 && /at least 32/.test(e.problems[0]),
  );
  assert.throws(
    () => loadConfig(envOf({ JWT_SECRET: "x".repeat(40), JWT_SECRET_FILE: "/run/jwt" })),
    (e: ConfigError) => e.problems.length === 1 && /both set/.test(e.problems[0]),
  );
});

Deno.test("config: the README table escapes pipes inside cells", () => {
  const row = configTable().split("\n").find((l) => l.startsWith("| `LOG_LEVEL`"))!;
  assert.equal(row.split(/(?<!\\)\|/).length, 5, row); // 3 cells between 4 pipes
  assert.match(row, /debug \\\| info/);
});
