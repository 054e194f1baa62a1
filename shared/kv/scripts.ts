/**
 * The Lua scripts behind windowed counters, run by every adapter: EVAL/EVALSHA over TCP and over
 * REST alike, so a counter behaves the same whichever way the process reaches Redis. Each script
 * touches one key, so it stays within one Cluster slot.
 */

/**
 * Takes one slot of a counter, unless it is full.
 * KEYS[1] counter   ARGV[1] limit   ARGV[2] window ms
 * Returns {1, pttl} when full (nothing changed), {0, count} after taking the slot.
 * The expiry is set whenever missing, so a counter can never outlive its window forever.
 */
export const TAKE_SLOT = `
local n = tonumber(redis.call('GET', KEYS[1]) or '0')
if n >= tonumber(ARGV[1]) then
  local ttl = redis.call('PTTL', KEYS[1])
  if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[2]); ttl = tonumber(ARGV[2]) end
  return {1, ttl}
end
n = redis.call('INCR', KEYS[1])
if redis.call('PTTL', KEYS[1]) < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return {0, n}
`;

/**
 * Gives back a slot taken by TAKE_SLOT. KEYS[1] counter. Returns the new count (0 when absent).
 * A missing key is left missing: DECR would create one without an expiry.
 */
export const RETURN_SLOT = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local n = redis.call('DECR', KEYS[1])
if n <= 0 then redis.call('DEL', KEYS[1]) end
return n
`;
