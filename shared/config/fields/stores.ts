/** Where the system keeps its state, and how its Redis keys and streams are laid out. */
import { field, type FieldSpec } from "../spec.ts";

export const storeFields = {
  redisUrl: field(
    "REDIS_URL",
    "string",
    "redis://127.0.0.1:6379",
    "Redis connection URL: `redis://[user:password@]host:port` for one node, `redis+cluster://[user:password@]host:port[,host:port...]` (seed nodes) for a Redis Cluster.",
    {
      pattern:
        /^(rediss?:\/\/\S+|redis\+cluster:\/\/([^\s@]*@)?[^\s,@/]+:\d+(,[^\s,@/]+:\d+)*\/?)$/,
    },
  ),
  // HTTP-only API (gateway/http_main.ts): Redis over its REST API instead of REDIS_URL.
  redisRestUrl: field(
    "REDIS_REST_URL",
    "string",
    "",
    "Redis REST endpoint (Upstash, or SRH in front of Redis); with REDIS_REST_TOKEN, the HTTP-only API reaches Redis over HTTP(S) only.",
    { pattern: /^(https?:\/\/[^\s/?#]+\S*)?$/ },
  ),
  redisRestToken: field(
    "REDIS_REST_TOKEN",
    "string",
    "",
    "Bearer token of REDIS_REST_URL.",
    { secret: true },
  ),
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
} as const satisfies Record<string, FieldSpec>;
