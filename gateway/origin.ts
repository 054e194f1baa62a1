/**
 * Origin allowlist for the WebSocket upgrade: exact matches only. A request without Origin
 * (native apps, bots) passes; "null" (sandboxed frames, file://) never does.
 */
export function originAllowed(origin: string | null | undefined, allowlist: string[]): boolean {
  if (origin === undefined || origin === null || origin === "") return true;
  if (origin === "null") return false;
  return allowlist.includes(origin);
}
