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
  TOO_MANY_CONNECTIONS_PER_IP: 2011,
  REQUEST_TIMEOUT: 2012,
  // 21xx: operators (admin API) and what they impose on accounts
  /** The admin API's operator credential is missing or wrong. */
  ADMIN_UNAUTHORIZED: 2101,
  /** The account is banned: login and refresh are refused (403), and its tokens stop working. */
  USER_BANNED: 2102,
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
  // 31xx: groups and live rooms (docs/PROTOCOL.md, "Groups")
  /** Your role in the group does not allow this action. */
  FORBIDDEN: 3100,
  GROUP_DISSOLVED: 3101,
  /** The group would pass GROUP_MAX_MEMBERS. */
  GROUP_FULL: 3102,
  NAME_LENGTH: 3103,
  ANNOUNCEMENT_LENGTH: 3104,
  AVATAR_INVALID: 3105,
  /** You are muted in this group (until `mutedUntil`), or the group is muted for members. */
  MUTED: 3106,
  MUTE_IN_PAST: 3107,
  OWNER_CANNOT_LEAVE: 3108,
  INVITE_ONLY: 3109,
  /** The user the action names is not a current member. */
  NOT_A_MEMBER: 3110,
  MENTION_INVALID: 3111,
  MENTION_ALL_FORBIDDEN: 3112,
  /** No pending join request from that user. */
  NO_SUCH_JOIN_REQUEST: 3113,
  RECEIPTS_DETAIL_UNAVAILABLE: 3114,
  ROOM_CLOSED: 3116,
  /** This frame does not apply to that kind of conversation (msg.send to a live room). */
  WRONG_KIND: 3117,
  NOT_IN_ROOM: 3118,
  // 35xx: search
  SEARCH_QUERY_EMPTY: 3500,
  SEARCH_QUERY_TOO_LONG: 3501,
  SEARCH_RANGE_INVALID: 3502,
  SEARCH_CURSOR_INVALID: 3503,
  SEARCH_DISABLED: 3504,
  // 32xx: friends, blocks, profiles, devices, the conversation list
  /** The user does not accept this from you (a block either way, or their stranger policy). */
  REFUSED: 3201,
  /** An action naming yourself: a friend request, block or remark; a kick, mute, role, transfer. */
  SELF_TARGET: 3202,
  REQUEST_PENDING: 3203,
  ALREADY_FRIENDS: 3204,
  NO_SUCH_REQUEST: 3205,
  NOT_FRIENDS: 3206,
  REMARK_LENGTH: 3207,
  NOT_BLOCKED: 3208,
  REQUEST_MESSAGE_LENGTH: 3209,
  /** No such device, or not yours (the same answer either way). */
  DEVICE_NOT_FOUND: 3210,
  /** A paging cursor that this server did not issue to you for this list (or that was altered). */
  PAGE_CURSOR_INVALID: 3211,
  PROFILE_INVALID: 3212,
  // 33xx: rich messages and media
  /** An upload over its kind's size limit (refused while streaming; nothing is kept). */
  MEDIA_TOO_LARGE: 3301,
  /** The content is not of the kind it was uploaded as (decided from the bytes, not the name). */
  MEDIA_TYPE_MISMATCH: 3302,
  /** Executables are refused whatever kind they are uploaded as. */
  MEDIA_TYPE_FORBIDDEN: 3303,
  /** A file name with a path (`/`, `\`, `..`), NUL or control characters, or over 255 chars. */
  MEDIA_NAME_INVALID: 3304,
  /** An image whose dimensions exceed MEDIA_MAX_IMAGE_PIXELS, or that cannot be decoded. */
  MEDIA_IMAGE_INVALID: 3305,
  /** Voice and video: durationMs missing or outside 1..the kind's maximum. */
  MEDIA_DURATION: 3306,
  /** No such media, or not yours to fetch (a stranger, a former member): the same answer. */
  MEDIA_NOT_FOUND: 3307,
  /** A signed media link that is malformed or altered (variant, media, user or expiry). */
  MEDIA_LINK_INVALID: 3308,
  /** A signed media link past its expiry; ask for a new one. */
  MEDIA_LINK_EXPIRED: 3309,
  /** A message names a media id that is not an upload of yours to this conversation, or is not of its kind. */
  MEDIA_INVALID: 3310,
  /** Editing after EDIT_WINDOW_SEC. */
  EDIT_WINDOW: 3311,
  /** This kind of message cannot be edited (voice, location, custom, forwarded, notices). */
  EDIT_NOT_ALLOWED: 3312,
  /** A reply to a message that is not in this conversation (or not visible to you). */
  REPLY_INVALID: 3313,
  /** A forward of a message you cannot see, or of a notice. */
  FORWARD_INVALID: 3314,
  /** A custom payload that is not JSON, or over MAX_CUSTOM_PAYLOAD_BYTES. */
  CUSTOM_PAYLOAD: 3315,
  /** One user's distinct reactions to one message are capped (MAX_REACTIONS_PER_USER). */
  REACTION_LIMIT: 3316,
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
  /** The client broke RFC 6455 (an unmasked frame, a bad opcode): sent by the WebSocket layer. */
  PROTOCOL_ERROR: 1002,
  ABNORMAL: 1006,
  /** A text frame that is not valid UTF-8: sent by the WebSocket layer. */
  INVALID_DATA: 1007,
  /** Not sent by this server (an origin is refused before the upgrade); clients treat it as final. */
  POLICY: 1008,
  TOO_BIG: 1009,
  INTERNAL: 1011,
  DRAINING: 4000,
  IDLE_TIMEOUT: 4001,
  SLOW_CONSUMER: 4002,
  TOKEN_EXPIRED: 4003,
  /** A stored frame could not be appended: reconnect, then resend unacknowledged frames in order. */
  STORE_UNAVAILABLE: 4004,
  SESSION_REVOKED: 4100,
  REPLACED: 4101,
  ABUSE: 4102,
  /** A newer login of the same platform class took this device's place (DEVICE_LIMITS). */
  DEVICE_LIMIT: 4110,
  /** Signed out from another of the user's devices. */
  SIGNED_OUT: 4111,
} as const;
export type CloseCode = typeof CloseCode[keyof typeof CloseCode];

/** What a client does after the server closed with `code`. */
export type CloseAction = "reconnect" | "refresh" | "stop";

/**
 * 4000-4099 reconnect (4003 after a token refresh); 4100-4199 give up, and so do 1002, 1007,
 * 1008 and 1009: the client sent something the server refuses, and would send it again.
 */
export function closeAction(code: number): CloseAction {
  if (code === CloseCode.TOKEN_EXPIRED) return "refresh";
  if (code >= 4100 && code < 4200) return "stop";
  const refused: number[] = [
    CloseCode.PROTOCOL_ERROR,
    CloseCode.INVALID_DATA,
    CloseCode.POLICY,
    CloseCode.TOO_BIG,
  ];
  return refused.includes(code) ? "stop" : "reconnect";
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
