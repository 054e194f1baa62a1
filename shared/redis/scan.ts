/**
 * SCAN over every node. On a Cluster each master holds its own keys, so one walk visits the
 * masters in a fixed order (by address); its cursor is "<node>-<cursor>", "0" at both ends as
 * on one node, so callers page the same way whichever client they hold.
 */
import { isCluster, type Redis } from "./connect.ts";
import { pipeline } from "./pipeline.ts";

export async function scanPage(
  redis: Redis,
  cursor: string,
  pattern: string,
  count: number,
): Promise<[string, string[]]> {
  if (!isCluster(redis)) return await redis.scan(cursor, "MATCH", pattern, "COUNT", count);
  const masters = redis.nodes("master").sort((a, b) => addr(a).localeCompare(addr(b)));
  const m = /^(\d+)-(\d+)$/.exec(cursor);
  let [node, inner] = m ? [Number(m[1]), m[2]] : [0, "0"];
  if (node >= masters.length) return ["0", []];
  const [next, found] = await masters[node].scan(inner, "MATCH", pattern, "COUNT", count);
  if (next !== "0") return [`${node}-${next}`, found];
  [node, inner] = [node + 1, "0"];
  return [node < masters.length ? `${node}-${inner}` : "0", found];
}

const addr = (r: { options: { host?: string; port?: number } }) =>
  `${r.options.host}:${String(r.options.port).padStart(5, "0")}`;

/** Every key matching `pattern` (tools and tests: a full walk). */
export async function scanAll(redis: Redis, pattern: string, count = 1000): Promise<string[]> {
  const out: string[] = [];
  let cursor = "0";
  do {
    const [next, found] = await scanPage(redis, cursor, pattern, count);
    out.push(...found);
    cursor = next;
  } while (cursor !== "0");
  return out;
}

/** Unlinks keys of any slots: one UNLINK per key, pipelined (a Cluster refuses cross-slot). */
export async function unlinkAll(redis: Redis, keys: string[]): Promise<void> {
  for (let i = 0; i < keys.length; i += 1000) {
    const pipe = pipeline(redis);
    for (const k of keys.slice(i, i + 1000)) pipe.unlink(k);
    await pipe.exec();
  }
}
