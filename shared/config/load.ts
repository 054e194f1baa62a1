/**
 * One typed configuration schema for every process, gathered from one file per area under
 * fields/. Each field names its environment variable, its default and one line of
 * documentation; `loadConfig` validates all of them at once and reports every bad field
 * together, so an operator fixes a broken deployment in one pass.
 */
import type { FieldSpec, Kind } from "./spec.ts";
import { authFields } from "./fields/auth.ts";
import { connectionFields } from "./fields/connections.ts";
import { gatewayFields } from "./fields/gateway.ts";
import { mediaFields } from "./fields/media.ts";
import { groupFields } from "./fields/groups.ts";
import { messageFields } from "./fields/messages.ts";
import { opsFields } from "./fields/ops.ts";
import { processFields } from "./fields/process.ts";
import { searchFields } from "./fields/search.ts";
import { storeFields } from "./fields/stores.ts";
import { workerFields } from "./fields/worker.ts";
import { socialFields } from "./fields/social.ts";
import { realtimeFields } from "./fields/realtime.ts";

export const CONFIG_FIELDS = {
  ...storeFields,
  ...gatewayFields,
  ...authFields,
  ...connectionFields,
  ...workerFields,
  ...messageFields,
  ...searchFields,
  ...processFields,
  ...socialFields,
  ...mediaFields,
  ...groupFields,
  ...realtimeFields,
  ...opsFields,
};

type Fields = typeof CONFIG_FIELDS;
type ValueOf<K extends Kind> = K extends "int" ? number : K extends "list" ? string[]
: K extends "bool" ? boolean
: string;
export type Config = { [K in keyof Fields]: ValueOf<Fields[K]["kind"]> };

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  ${problems.join("\n  ")}`);
  }
}

function parseOne(spec: FieldSpec, raw: string): { value?: unknown; problem?: string } {
  switch (spec.kind) {
    case "int": {
      if (!/^-?\d+$/.test(raw.trim())) return { problem: `must be an integer, got "${raw}"` };
      const n = Number(raw);
      if (spec.min !== undefined && n < spec.min) return { problem: `must be >= ${spec.min}` };
      if (spec.max !== undefined && n > spec.max) return { problem: `must be <= ${spec.max}` };
      return { value: n };
    }
    case "bool":
      if (!/^(true|false|1|0)$/.test(raw)) return { problem: `must be true or false` };
      return { value: raw === "true" || raw === "1" };
    case "list": {
      const items = raw.split(",").map((s) => s.trim()).filter(Boolean);
      const bad = spec.pattern && items.find((i) => !spec.pattern!.test(i));
      if (bad) return { problem: `items must match ${spec.pattern}, got "${bad}"` };
      return { value: items };
    }
    case "string":
      if (spec.pattern && !spec.pattern.test(raw)) {
        return { problem: `must match ${spec.pattern}${spec.secret ? "" : `, got "${raw}"`}` };
      }
      return { value: raw };
  }
}

/** Reads every field from `env` (overrides win), throwing one ConfigError listing all problems. */
export function loadConfig(
  env: (name: string) => string | undefined = (n) => Deno.env.get(n),
  overrides: Partial<Config> = {},
): Config {
  const out: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [key, spec] of Object.entries(CONFIG_FIELDS) as [string, FieldSpec][]) {
    if (key in overrides) {
      out[key] = (overrides as Record<string, unknown>)[key];
      continue;
    }
    const r = parseOne(spec, env(spec.env) ?? spec.default);
    if (r.problem) problems.push(`${spec.env} ${r.problem}`);
    else out[key] = r.value;
  }
  problems.push(...crossFieldProblems(out as Partial<Config>));
  if (problems.length) throw new ConfigError(problems);
  return out as Config;
}

/**
 * Rules between fields, or on a value's meaning, that a per-field pattern cannot state. They run
 * with the field checks so every problem is listed at once, before anything connects. Only
 * values this process was given are judged: a worker needs no JWT secret, and a secret in
 * JWT_SECRET_FILE is read (and checked) by the gateway at start.
 */
function crossFieldProblems(c: Partial<Config>): string[] {
  const problems: string[] = [];
  if (c.jwtSecret && c.jwtSecret.length < MIN_JWT_SECRET) {
    problems.push(`JWT_SECRET must hold at least ${MIN_JWT_SECRET} characters`);
  }
  if (c.jwtSecret && c.jwtSecretFile) {
    problems.push("JWT_SECRET and JWT_SECRET_FILE are both set: set one");
  }
  return problems;
}

const MIN_JWT_SECRET = 32;

/** Resolves the JWT secret from JWT_SECRET or JWT_SECRET_FILE; a gateway cannot start without one. */
export function jwtSecretOf(config: Config): string {
  const secret = config.jwtSecret ||
    (config.jwtSecretFile ? Deno.readTextFileSync(config.jwtSecretFile).trim() : "");
  if (secret.length < MIN_JWT_SECRET) {
    throw new ConfigError([
      `JWT_SECRET (or JWT_SECRET_FILE) must hold at least ${MIN_JWT_SECRET} characters`,
    ]);
  }
  return secret;
}

/** The README's configuration table, generated so the docs cannot drift from the schema. */
export function configTable(): string {
  // A "|" inside a cell would end it: escaped, as Markdown tables allow.
  const cell = (s: string) => s.replaceAll("|", "\\|");
  const rows = Object.values(CONFIG_FIELDS as Record<string, FieldSpec>).map((f) =>
    `| \`${f.env}\` | \`${cell(f.default)}\` | ${cell(f.doc)} |`
  );
  return ["| variable | default | meaning |", "| --- | --- | --- |", ...rows].join("\n");
}

/** For process entry points: the config, or every problem printed and exit code 2. */
export function loadConfigOrExit(): Config {
  try {
    return loadConfig();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    console.error(err.message);
    Deno.exit(2);
  }
}
