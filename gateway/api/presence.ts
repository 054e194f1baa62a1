/**
 * GET /v1/users/:id/presence -> {userId, online, devices}: online while any of the user's
 * device routes is unexpired (routes are refreshed by the gateways holding the sockets). Device
 * ids stay private: only their number is shown. Behind requireAuth.
 */
import type { Handler } from "hono";
import { ErrorCode } from "@im/protocol";
import type { AuthDeps } from "../auth/deps.ts";
import { jsonError } from "../auth/http.ts";
import { findUserById } from "../auth/users.ts";

const USER_ID = /^[1-9][0-9]{0,19}$/;

export function presence(deps: Pick<AuthDeps, "db" | "kv">): Handler {
  return async (c) => {
    const userId = c.req.param("id") ?? "";
    if (!USER_ID.test(userId)) return jsonError(c, 404, ErrorCode.NO_SUCH_USER, "no such user");
    const [user, routes] = await Promise.all([
      findUserById(deps.db, userId),
      deps.kv.liveRoutes(userId),
    ]);
    if (!user) return jsonError(c, 404, ErrorCode.NO_SUCH_USER, "no such user");
    c.header("Cache-Control", "no-store");
    return c.json({ userId, online: routes.length > 0, devices: routes.length });
  };
}
