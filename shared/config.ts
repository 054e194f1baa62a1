/**
 * One typed configuration schema for every process. Each field names its environment variable,
 * its default and one line of documentation; `loadConfig` validates all of them at once and
 * reports every bad field together, so an operator fixes a broken deployment in one pass.
 */

type Kind = "string" | "int" | "list" | "bool";

interface FieldSpec {
  env: string;
  kind: Kind;
  default: string;
  doc: string;
  /** Secrets are never printed (see `describeConfig`). */
  secret?: boolean;
  min?: number;
  max?: number;
  pattern?: RegExp;
}

function field<K extends Kind>(
  env: string,
  kind: K,
  def: string,
  doc: string,
  extra: Partial<FieldSpec> = {},
): FieldSpec & { kind: K } {
  return { ...extra, env, kind, default: def, doc };
}

export const CONFIG_FIELDS = {
  redisUrl: field("REDIS_URL", "string", "redis://127.0.0.1:6379", "Redis connection URL."),
  mysqlUrl: field(
    "MYSQL_URL",
    "string",
    "mysql://root@127.0.0.1:3306/im",
    "MySQL/MariaDB URL; the path names the database (created by migrate if missing).",
  ),
  mysqlAppUrl: field(
    "MYSQL_APP_URL",
    "string",
    "",
    "Migrate only: the URL gateways and workers use; migrate creates (or re-passwords) its user with DML-only rights on the database. Empty: none.",
  ),
  keyPrefix: field(
    "KEY_PREFIX",
    "string",
    "im:",
    "Prefix of every Redis key this deployment uses.",
    {
      pattern: /^[A-Za-z0-9_:.-]{0,32}$/,
    },
  ),
  partitions: field(
    "PARTITIONS",
    "int",
    "16",
    "Number of inbound partition streams (fixed per deployment).",
    {
      min: 1,
      max: 1024,
    },
  ),
  logLevel: field("LOG_LEVEL", "string", "info", "debug | info | warn | error.", {
    pattern: /^(debug|info|warn|error)$/,
  }),

  host: field(
    "HOST",
    "string",
    "0.0.0.0",
    "Listen address of the gateway and of the worker's health port (`deno task dev`: 127.0.0.1 unless set).",
  ),
  port: field("PORT", "int", "8080", "Gateway listen port (0 picks a free one).", {
    min: 0,
    max: 65535,
  }),
  publicUrl: field(
    "PUBLIC_WS_URL",
    "string",
    "",
    "WebSocket URL clients are sent to at login; empty means ws://127.0.0.1:<port>/ws.",
  ),
  gatewayId: field("GATEWAY_ID", "string", "", "Gateway id; empty picks a random one at start.", {
    pattern: /^[A-Za-z0-9_-]{0,40}$/,
  }),
  originAllowlist: field(
    "ORIGIN_ALLOWLIST",
    "list",
    "",
    "Exact Origins (besides the gateway's own) allowed to open a WebSocket; no Origin is allowed.",
  ),
  webRoot: field(
    "WEB_ROOT",
    "string",
    "client/web/dist",
    "Directory of the built web app served at `/` (empty: none).",
  ),
  jwtSecret: field(
    "JWT_SECRET",
    "string",
    "",
    "HS256 signing secret, 32+ chars (or JWT_SECRET_FILE).",
    {
      secret: true,
    },
  ),
  jwtSecretFile: field(
    "JWT_SECRET_FILE",
    "string",
    "",
    "File holding the JWT secret (compose uses this).",
  ),
  jwtIssuer: field("JWT_ISSUER", "string", "im", "`iss` claim of access tokens."),
  jwtAudience: field("JWT_AUDIENCE", "string", "im-clients", "`aud` claim of access tokens."),
  accessTtlSec: field("ACCESS_TTL_SEC", "int", "3600", "Access token lifetime.", { min: 10 }),
  refreshTtlSec: field("REFRESH_TTL_SEC", "int", "86400", "Refresh token lifetime (rotating).", {
    min: 60,
  }),
  loginMaxFailures: field(
    "LOGIN_MAX_FAILURES",
    "int",
    "5",
    "Failed logins per username per window before 429.",
    { min: 1 },
  ),
  loginMaxFailuresPerIp: field(
    "LOGIN_MAX_FAILURES_PER_IP",
    "int",
    "30",
    "Failed logins per client IP per window before 429.",
    { min: 1 },
  ),
  registerMaxPerIp: field(
    "REGISTER_MAX_PER_IP",
    "int",
    "30",
    "Registrations per client IP per login window before 429 (each costs an argon2 hash).",
    { min: 1 },
  ),
  loginWindowSec: field("LOGIN_WINDOW_SEC", "int", "900", "Login failure counting window.", {
    min: 1,
  }),
  heartbeatSec: field(
    "HEARTBEAT_SEC",
    "int",
    "25",
    "Client heartbeat interval announced in `hello`.",
    {
      min: 1,
    },
  ),
  idleTimeoutSec: field(
    "IDLE_TIMEOUT_SEC",
    "int",
    "75",
    "A connection silent this long is closed (about 3 missed heartbeats).",
    { min: 2 },
  ),
  maxFrameBytes: field(
    "MAX_FRAME_BYTES",
    "int",
    "65536",
    "Largest inbound frame; larger closes 1009.",
    {
      min: 1024,
    },
  ),
  rateLimitPerSec: field(
    "RATE_LIMIT_PER_SEC",
    "int",
    "50",
    "Sustained frames per second per connection.",
    {
      min: 1,
    },
  ),
  rateLimitBurst: field(
    "RATE_LIMIT_BURST",
    "int",
    "100",
    "Burst of frames allowed per connection.",
    {
      min: 1,
    },
  ),
  rateLimitAbuse: field(
    "RATE_LIMIT_ABUSE",
    "int",
    "200",
    "Rejected frames within 10 s after which the connection is closed 4102.",
    { min: 1 },
  ),
  maxDevicesPerUser: field(
    "MAX_DEVICES_PER_USER",
    "int",
    "10",
    "Devices of one user connected at once; one more is refused 429. With the per-connection rate this bounds a user's frame rate across gateways.",
    { min: 1 },
  ),
  sendHighWaterBytes: field(
    "SEND_HIGH_WATER_BYTES",
    "int",
    "4194304",
    "Outbound bytes buffered for a socket before it is closed 4002 as a slow consumer.",
    { min: 65536 },
  ),
  routeTtlSec: field("ROUTE_TTL_SEC", "int", "30", "Device route lifetime unless refreshed.", {
    min: 3,
  }),
  gatewayTtlSec: field(
    "GATEWAY_TTL_SEC",
    "int",
    "15",
    "A gateway silent this long leaves the registry.",
    {
      min: 2,
    },
  ),

  workerPort: field(
    "WORKER_PORT",
    "int",
    "8090",
    "Worker's health/metrics HTTP port (0 picks one).",
    {
      min: 0,
      max: 65535,
    },
  ),
  maxBodyChars: field(
    "MAX_BODY_CHARS",
    "int",
    "5000",
    "Longest text message body, in characters.",
    {
      min: 1,
    },
  ),
  recallWindowSec: field(
    "RECALL_WINDOW_SEC",
    "int",
    "120",
    "How long after sending a message may be recalled.",
    {
      min: 0,
    },
  ),
  retryScheduleSec: field(
    "RETRY_SCHEDULE_SEC",
    "list",
    "5,30,300",
    "Re-push delays for a device that has not acked delivery; then it is left to sync.",
    { pattern: /^\d{1,6}$/ },
  ),
  batchSize: field("BATCH_SIZE", "int", "200", "Entries a worker reads per partition batch.", {
    min: 1,
  }),
  blockMs: field("BLOCK_MS", "int", "2000", "How long a worker's XREADGROUP blocks.", { min: 10 }),
  leaseTtlMs: field("LEASE_TTL_MS", "int", "10000", "Partition and worker-id lease lifetime.", {
    min: 500,
  }),
  maxDeliveries: field(
    "MAX_DELIVERIES",
    "int",
    "5",
    "Deliveries of an entry before it goes to the dead-letter stream.",
    { min: 1 },
  ),
  resultMaxLen: field(
    "RESULT_STREAM_MAXLEN",
    "int",
    "10000",
    "Approximate cap of each gateway stream.",
    {
      min: 100,
    },
  ),
} as const satisfies Record<string, FieldSpec>;

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
  // A bare "|" would end its cell (LOG_LEVEL's "debug | info | ..."): tables need it escaped.
  const cell = (text: string) => text.replaceAll("|", "\\|");
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
