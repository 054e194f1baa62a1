/**
 * The HTTP API (auth, users, presence, history), served by the gateway and by the HTTP-only
 * process alike; a composition root mounts it with `app.route("/", ...)`.
 */
import { Hono } from "hono";
import { ErrorCode } from "@im/protocol";
import { history } from "../api/history.ts";
import { presence } from "../api/presence.ts";
import { register, requireAuth, userById, userByName } from "./account.ts";
import type { AuthDeps } from "./deps.ts";
import { bodyCap, jsonError } from "./http.ts";
import { login, logout, refresh } from "./session.ts";
import { LoginThrottle } from "./throttle.ts";

export type { AuthDeps } from "./deps.ts";

export function authRoutes(deps: AuthDeps): Hono {
  const app = new Hono();
  const throttle = new LoginThrottle(deps.kv, deps.keys, deps.config);

  app.onError((err, c) => {
    deps.log.error("auth request failed", { path: c.req.path, error: err });
    return jsonError(c, 500, ErrorCode.INTERNAL, "internal error");
  });

  app.use("/v1/auth/*", bodyCap);
  app.post("/v1/auth/register", register(deps, throttle));
  app.post("/v1/auth/login", login(deps, throttle));
  app.post("/v1/auth/refresh", refresh(deps));
  app.post("/v1/auth/logout", logout(deps));

  app.use("/v1/users/*", requireAuth(deps));
  app.get("/v1/users/by-name/:username", userByName(deps));
  app.get("/v1/users/:id/presence", presence(deps));
  app.get("/v1/users/:id", userById(deps));

  app.use("/v1/conversations/*", requireAuth(deps));
  app.get("/v1/conversations/:conversationId/messages", history(deps));
  return app;
}
