/** Accounts and tokens. */
import { field, type FieldSpec } from "../spec.ts";

export const authFields = {
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
} as const satisfies Record<string, FieldSpec>;
