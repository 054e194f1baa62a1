/**
 * Decoding shared by the adapters, so each one only maps commands: the routes hash and the
 * gateway registry as the gateway writes them (shared/redis/routes.ts, gateway/registry.ts);
 * the `!close` line comes from the result stream's codec (shared/wire/results.ts).
 */
import { parseRoute, type Route } from "../redis/routes.ts";

// The `!close` line is the result stream's, written and read through one codec.
export { closeLine, RESULT_FIELD } from "../wire/results.ts";
import type { LiveGateway, SlotVerdict } from "./port.ts";

/** A gateway's result stream expires this long after its last write (see Keys.gateway). */
export const RESULT_STREAM_TTL_MS = 600_000;

/** HGETALL as ioredis returns it (an object) or as the REST API does (a flat array). */
export function pairsOf(reply: Record<string, string> | string[] | null): Array<[string, string]> {
  if (!reply) return [];
  if (!Array.isArray(reply)) return Object.entries(reply);
  const out: Array<[string, string]> = [];
  for (let i = 0; i + 1 < reply.length; i += 2) out.push([reply[i], reply[i + 1]]);
  return out;
}

export function liveRoutesOf(pairs: Array<[string, string]>, now: number): Route[] {
  const out: Route[] = [];
  for (const [deviceId, value] of pairs) {
    const r = parseRoute(deviceId, value, now);
    if (r) out.push(r);
  }
  return out;
}

/**
 * Joins the registry's live ids (in heartbeat order) with the info hash. An id without info, or
 * with info that does not parse, is skipped: it is withdrawing or was written by something else.
 */
export function gatewaysOf(ids: string[], info: Array<[string, string]>): LiveGateway[] {
  const byId = new Map(info);
  const out: LiveGateway[] = [];
  for (const gatewayId of ids) {
    const raw = byId.get(gatewayId);
    if (!raw) continue;
    try {
      const { url, conns } = JSON.parse(raw) as { url: unknown; conns: unknown };
      if (typeof url === "string" && typeof conns === "number") {
        out.push({ gatewayId, url, conns });
      }
    } catch {
      // not ours: skip
    }
  }
  return out;
}

/** The reply of TAKE_SLOT: {1, pttl} when full, {0, count} when taken. */
export function slotVerdictOf(reply: unknown): SlotVerdict {
  const [full, value] = (Array.isArray(reply) ? reply : []).map(Number);
  if (full === 1) return { taken: false, retryAfterMs: Math.max(1, value) };
  if (full === 0 && value > 0) return { taken: true, count: value };
  throw new Error(`unexpected counter script reply: ${JSON.stringify(reply)}`);
}
