/**
 * The one registry of numbered error codes and WebSocket close codes, and the rule a client
 * follows on each close code. Error frames and HTTP error bodies are built from it by
 * `errorBody`; docs/PROTOCOL.md lists the same tables.
 */

export const ErrorCode = {
  // 1xxx: the frame itself
  BAD_JSON: 1001,
  UNKNOWN_TYPE: 1002,
  INVALID_FRAME: 1003,
  RATE_LIMITED: 1004,
  BINARY_UNSUPPORTED: 1005,
  // 2xxx: accounts and auth
  INVALID_CREDENTIALS: 2001,
  USERNAME_TAKEN: 2002,
  INVALID_USERNAME: 2003,
  WEAK_PASSWORD: 2004,
  TOO_MANY_ATTEMPTS: 2005,
  UNAUTHORIZED: 2006,
  REFRESH_INVALID: 2007,
  ORIGIN_FORBIDDEN: 2008,
  INVALID_REQUEST: 2009,
  TOO_MANY_CONNECTIONS: 2010,
  // 3xxx: messaging rules
  NO_SUCH_USER: 3001,
  SELF_MESSAGE: 3002,
  BODY_LENGTH: 3003,
  /** No such message or conversation, or not yours: the same answer, so existence never leaks. */
  NOT_FOUND: 3004,
  RECALL_WINDOW: 3005,
  ALREADY_RECALLED: 3006,
  NOT_SENDER: 3007,
  CURSOR_INVALID: 3008,
  MSG_ID_INVALID: 3009,
  // 34xx: calls and presence
  CALL_BUSY: 3401,
  CALL_ANSWERED_ELSEWHERE: 3402,
  CALL_ENDED: 3403,
  CALL_STATE: 3404,
  CALL_ID_TAKEN: 3405,
  CALL_UNSUPPORTED: 3406,
  // 5xxx: server side; the client may retry the same request (same clientMsgId)
  INTERNAL: 5000,
  UNAVAILABLE: 5001,
} as const;
export type ErrorCode = typeof ErrorCode[keyof typeof ErrorCode];

/**
 * Close codes: 4000-4099 mean "reconnect (with backoff)"; 4100-4199 mean "do not reconnect";
 * 1009 means "do not reconnect to resend the same frame". 1006 and 1011 are never sent by the
 * server; clients see them when a connection drops or a proxy fails.
 */
export const CloseCode = {
  NORMAL: 1000,
  GOING_AWAY: 1001,
  ABNORMAL: 1006,
  /** Not sent by this server (an origin is refused before the upgrade); clients treat it as final. */
  POLICY: 1008,
  TOO_BIG: 1009,
  INTERNAL: 1011,
  DRAINING: 4000,
  IDLE_TIMEOUT: 4001,
  SLOW_CONSUMER: 4002,
  TOKEN_EXPIRED: 4003,
  SESSION_REVOKED: 4100,
  REPLACED: 4101,
  ABUSE: 4102,
} as const;
export type CloseCode = typeof CloseCode[keyof typeof CloseCode];

/** What a client does after the server closed with `code`. */
export type CloseAction = "reconnect" | "refresh" | "stop";

/** 4000-4099 reconnect (4003 after a token refresh); 4100-4199, 1008 and 1009 give up. */
export function closeAction(code: number): CloseAction {
  if (code === CloseCode.TOKEN_EXPIRED) return "refresh";
  if (code >= 4100 && code < 4200) return "stop";
  if (code === CloseCode.POLICY || code === CloseCode.TOO_BIG) return "stop";
  return "reconnect";
}

/** Errors worth retrying with the same request (same clientMsgId): 5xxx and rate limiting. */
export function isTransient(code: number): boolean {
  return code >= 5000 || code === ErrorCode.RATE_LIMITED;
}

export interface ErrorBody {
  code: ErrorCode;
  message: string;
}

export function errorBody(code: ErrorCode, message: string): ErrorBody {
  return { code, message };
}
