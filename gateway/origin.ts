/**
 * Origin allowlist for the WebSocket upgrade: exact matches only. A request without Origin
 * (native apps, bots) passes; "null" (sandboxed frames, file://) never does. The gateway's own
 * origin (the page it serves at `/`) is allowed: its host must equal the request's Host exactly.
 */
export function originAllowed(
  origin: string | null | undefined,
  allowlist: string[],
  host?: string | null,
): boolean {
  if (origin === undefined || origin === null || origin === "") return true;
  if (origin === "null") return false;
  if (allowlist.includes(origin)) return true;
  if (!host) return false;
  try {
    const u = new URL(origin);
    return (u.protocol === "http:" || u.protocol === "https:") && u.host === host &&
      origin === `${u.protocol}//${u.host}`;
  } catch {
    return false;
  }
}
