/** The gateway's auth module: HTTP routes, and the token check the WebSocket upgrade reuses. */
export { authRoutes } from "./routes.ts";
export type { AuthDeps } from "./deps.ts";
export { authenticate, bearerToken } from "./http.ts";
export {
  type AccessClaims,
  InvalidTokenError,
  isSessionRevoked,
  markSessionRevoked,
  verifyAccessToken,
} from "./tokens.ts";
