/**
 * A worker's readiness: which store fails, and where it stands on partitions. It is ready when
 * Redis and MySQL answer; the partition fields make a stuck worker visible: `waiting` lists
 * partitions the live set assigns to it that it cannot take (their holder has not let go), and
 * `unowned` the partitions nobody holds, so a worker idle beside starved partitions shows.
 */
import type { Db } from "@im/shared/db";
import type { Keys } from "@im/shared/keys";
import { pipeline, type Redis } from "@im/shared/redis";
import { probe } from "@im/shared/telemetry";
import { sql } from "kysely";
import type { PartitionManager } from "./partitions.ts";

export interface WorkerHealthDeps {
  redis: Redis;
  db: Db;
  manager: PartitionManager;
  keys: Keys;
  partitions: number;
  onError?: (dependency: string, err: unknown) => void;
}

export function workerHealth(d: WorkerHealthDeps) {
  return async () => {
    let leased: boolean[] = [];
    const [redis, mysql] = await Promise.all([
      probe(async () => {
        const pipe = pipeline(d.redis);
        for (let p = 0; p < d.partitions; p++) pipe.exists(d.keys.partitionLease(p));
        leased = ((await pipe.exec()) ?? []).map(([, v]) => v === 1);
      }, (err) => d.onError?.("redis", err)),
      probe(() => sql`SELECT 1`.execute(d.db), (err) => d.onError?.("mysql", err)),
    ]);
    const owned = [...d.manager.owned().keys()].sort((a, b) => a - b);
    const desired = d.manager.desired();
    const waiting = desired.filter((p) => !owned.includes(p));
    const unowned = leased.flatMap((l, p) => (l ? [] : [p]));
    const warnings: string[] = [];
    if (waiting.length) {
      warnings.push(`assigned partitions ${waiting.join(",")} are still held by another worker`);
    }
    if (owned.length === 0 && unowned.length) {
      warnings.push(`holds no partition while ${unowned.length} have no owner`);
    }
    return {
      ok: redis === "ok" && mysql === "ok",
      checks: { redis, mysql },
      partitions: owned,
      desired,
      waiting,
      unowned,
      liveWorkers: d.manager.liveCount(),
      warnings,
    };
  };
}
