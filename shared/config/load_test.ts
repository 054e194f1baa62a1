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
  assert.deepEqual(
    Object.values(CONFIG_FIELDS).filter((f) => "secret" in f && f.secret).map((f) => f.env),
    ["JWT_SECRET", "TURN_SECRET"],
  );
  const table = configTable();
  for (const f of Object.values(CONFIG_FIELDS)) {
    assert.deepEqual(table.includes(`\`${f.env}\``), true);
  }
});
