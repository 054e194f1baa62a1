/**
 * GET /v1/conversations/:conversationId/messages?beforeSeq=&afterSeq=&limit=
 * The WebSocket `history` frame over HTTP: same validation (the frame's own schema), the same
 * query (the worker's own `historyPage`), same errors; only members may read, and "no such
 * conversation" and "not yours" look alike.
 */
import type { Context, Handler } from "hono";
import { historyPage } from "@im/workers/queries";
import { clientFrames, ErrorCode } from "@im/protocol";
import type { AuthDeps } from "../auth/deps.ts";
import { claimsOf, jsonError } from "../auth/http.ts";

const PARAMS = new Set(["beforeSeq", "afterSeq", "limit"]);
const UINT = /^(0|[1-9][0-9]{0,9})$/;

export function history(deps: Pick<AuthDeps, "db">): Handler {
  return async (c) => {
    const { userId } = claimsOf(c);
    const input = queryOf(c);
    if (typeof input === "string") return jsonError(c, 400, ErrorCode.INVALID_REQUEST, input);
    const parsed = clientFrames.history.data.parse(input);
    if (!parsed.ok) {
      const { path, problem } = parsed.issue;
      return jsonError(c, 400, ErrorCode.INVALID_REQUEST, `${path || "request"} ${problem}`);
    }
    const out = await historyPage(deps.db, userId, parsed.value);
    if (!out.ok) {
      const status = out.error.code === ErrorCode.NOT_FOUND ? 404 : 400;
      return jsonError(c, status, out.error.code, out.error.message);
    }
    c.header("Cache-Control", "private, no-store");
    return c.json(out.page);
  };
}

/** The frame's data from the path and query, or what is wrong with them. */
function queryOf(c: Context): Record<string, unknown> | string {
  const data: Record<string, unknown> = { conversationId: c.req.param("conversationId") };
  for (const [name, values] of Object.entries(c.req.queries())) {
    // Exact, like frame fields: a misspelt parameter is an error, not silently the default.
    if (!PARAMS.has(name)) return `unknown query parameter ${name}`;
    if (values.length !== 1 || !UINT.test(values[0])) {
      return `${name} must be one non-negative integer`;
    }
    data[name] = Number(values[0]);
  }
  return data;
}
