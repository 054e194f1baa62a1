/**
 * Stream trimming that never drops an entry a consumer may still need: below the oldest pending
 * entry, or below the group's last-delivered id when nothing is pending.
 */
import { CONSUMER_GROUP } from "@im/shared/keys";
import { pipeline, type Redis } from "@im/shared/redis";

// KEYS[1] partition stream. ARGV[1] consumer group. Trims (approximately) below the oldest
// pending entry, or below the group's last-delivered id when nothing is pending. One script, so
// no read can deliver entries between the look and the trim. Returns the entries removed.
export const TRIM_SCRIPT = `
local pending = redis.call('XPENDING', KEYS[1], ARGV[1])
local minid = nil
if pending[1] > 0 then
  minid = pending[2]
else
  for _, g in ipairs(redis.call('XINFO', 'GROUPS', KEYS[1])) do
    local name, last
    for i = 1, #g, 2 do
      if g[i] == 'name' then name = g[i + 1] end
      if g[i] == 'last-delivered-id' then last = g[i + 1] end
    end
    if name == ARGV[1] then minid = last end
  end
end
if minid and minid ~= '0-0' then return redis.call('XTRIM', KEYS[1], 'MINID', '~', minid) end
return 0`;

/** Trims each stream in one pipelined round trip; returns the entries removed per stream. */
export async function trimBelowPending(redis: Redis, streams: string[]): Promise<number[]> {
  if (streams.length === 0) return [];
  const pipe = pipeline(redis);
  for (const s of streams) pipe.eval(TRIM_SCRIPT, 1, s, CONSUMER_GROUP);
  const res = await pipe.exec();
  return (res ?? []).map(([err, n]) => {
    if (err) throw err;
    return Number(n);
  });
}
