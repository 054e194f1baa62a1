/** A worker: its port, batches, leases, retries. */
import { field, type FieldSpec } from "../spec.ts";

export const workerFields = {
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
  txInFlight: field(
    "TX_IN_FLIGHT",
    "int",
    "1",
    "Transactions a worker keeps committing while it reads on (1: read, commit, read; more: smaller batches, more CPU per message).",
    { min: 1, max: 16 },
  ),
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
  workerDeadMs: field(
    "WORKER_DEAD_MS",
    "int",
    "2000",
    "A worker whose heartbeat is older than this is dead: its partitions move (a paused one is fenced out).",
    { min: 300 },
  ),
} as const satisfies Record<string, FieldSpec>;
