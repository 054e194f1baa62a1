/**
 * Who may open a WebSocket, by its Origin header (browsers send it; other clients do not):
 *
 * - no Origin (native apps, bots): allowed; `null` (sandboxed frames, file://): never;
 * - the deployment's own pages: an http(s) Origin whose host is the request's Host (the page
 *   this gateway served, under whatever name the browser used), or the host of one of the
 *   deployment's gateways (`siblings`: login hands a page served by one gateway to the
 *   least-loaded one, so a page from gateway1 opens its socket on gateway2);
 * - other sites: exact entries of ORIGIN_ALLOWLIST only (no substring, no wildcard).
 *
 * Loopback names (localhost, 127.0.0.1, [::1]) count as one host when both sides are loopback:
 * a page opened at http://127.0.0.1:8080/ is told to connect to ws://localhost:8080/ws
 * (PUBLIC_WS_URL), and both name the same listener on the browser's own machine. Ports must
 * still match: another port is another site.
 */
export function originAllowed(
  origin: string | null | undefined,
  allowlist: string[],
  host?: string | null,
  siblings: string[] = [],
): boolean {
  if (origin === undefined || origin === null || origin === "") return true;
  if (origin === "null") return false;
  if (allowlist.includes(origin)) return true;
  const page = pageHost(origin);
  if (!page) return false;
  return [host, ...siblings.map(hostOfUrl)].some((h) => !!h && sameHost(page, h));
}

/** The host of an Origin that is exactly `http(s)://host[:port]`, else null. */
function pageHost(origin: string): string | null {
  try {
    const u = new URL(origin);
    const exact = (u.protocol === "http:" || u.protocol === "https:") &&
      origin === `${u.protocol}//${u.host}`;
    return exact ? u.host : null;
  } catch {
    return null;
  }
}

/** The host[:port] a gateway's public URL (ws:, wss:, http:, https:) names, else null. */
export function hostOfUrl(url: string): string | null {
  try {
    const u = new URL(url);
    return /^(wss?|https?):$/.test(u.protocol) ? u.host : null;
  } catch {
    return null;
  }
}

const LOOPBACK = new Set(["localhost", "127.0.0.1", "[::1]"]);

function sameHost(a: string, b: string): boolean {
  const norm = (h: string) => {
    const u = new URL(`http://${h}`); // lower-cases the name, drops a default port
    return { name: LOOPBACK.has(u.hostname) ? "loopback" : u.hostname, port: u.port };
  };
  try {
    const x = norm(a), y = norm(b);
    return x.name === y.name && x.port === y.port;
  } catch {
    return false;
  }
}
