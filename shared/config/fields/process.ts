/** How every process starts and stops. */
import { field, type FieldSpec } from "../spec.ts";

export const processFields = {
  shutdownTimeoutMs: field(
    "SHUTDOWN_TIMEOUT_MS",
    "int",
    "10000",
    "Longest a SIGTERM shutdown may take whatever the stores do; then the process exits 1 (a second signal exits at once).",
    { min: 100 },
  ),
} as const satisfies Record<string, FieldSpec>;
