/**
 * The typed errors the SDK's promises reject with, and plain-words text an app can show for them
 * and for close codes. The codes and the reconnect rule are the protocol package's.
 */

import { CloseCode, ErrorCode, isTransient } from "@im/protocol";

export { type CloseAction, closeAction, CloseCode, ErrorCode, isTransient } from "@im/protocol";

/** The server answered a request with an error frame (or an HTTP error body). */
export class ServerError extends Error {
  constructor(readonly code: number, message: string) {
    super(message);
    this.name = "ServerError";
  }
  get transient(): boolean {
    return isTransient(this.code);
  }
}

/** An HTTP API call failed with a status and the server's numbered error. */
export class HttpError extends ServerError {
  constructor(readonly status: number, code: number, message: string, readonly retryAfterSec = 0) {
    super(code, message);
    this.name = "HttpError";
  }
}

/** No reply within the request's timeout. The request may still have been applied. */
export class TimeoutError extends Error {
  constructor(readonly requestType: string, readonly ms: number) {
    super(`no reply to ${requestType} within ${ms} ms`);
    this.name = "TimeoutError";
  }
}

/** The request could not be sent or its connection dropped before the reply. */
export class ConnectionError extends Error {
  constructor(message = "not connected") {
    super(message);
    this.name = "ConnectionError";
  }
}

/** The server could not be reached at all (DNS, refused, offline). */
export class NetworkError extends Error {
  constructor(message = "cannot reach the server", options?: ErrorOptions) {
    super(message, options);
    this.name = "NetworkError";
  }
}

/**
 * Plain words for every error code: a `Record` over `ErrorCode`, so a new code in the protocol
 * package does not compile here until it has a sentence (errors_test.ts checks each one too).
 */
const PLAIN: Record<ErrorCode, string> = {
  [ErrorCode.BAD_JSON]: "The app sent something the server could not read. Update the app.",
  [ErrorCode.UNKNOWN_TYPE]: "The server does not know that request. Update the app.",
  [ErrorCode.INVALID_FRAME]: "The server could not accept that request.",
  [ErrorCode.RATE_LIMITED]: "You are sending too fast. Slow down a little.",
  [ErrorCode.BINARY_UNSUPPORTED]: "The server does not accept that kind of data.",
  [ErrorCode.INVALID_CREDENTIALS]: "Wrong username or password.",
  [ErrorCode.USERNAME_TAKEN]: "That username is taken. Try another one.",
  [ErrorCode.INVALID_USERNAME]: "Usernames are 3 to 32 lowercase letters, digits or _.",
  [ErrorCode.WEAK_PASSWORD]: "That password is too weak. Choose a longer one.",
  [ErrorCode.TOO_MANY_ATTEMPTS]: "Too many attempts. Wait a few minutes and try again.",
  [ErrorCode.UNAUTHORIZED]: "Your session has ended. Please log in again.",
  [ErrorCode.REFRESH_INVALID]: "Your session has ended. Please log in again.",
  [ErrorCode.ORIGIN_FORBIDDEN]: "The server does not accept connections from this page.",
  [ErrorCode.INVALID_REQUEST]: "The server could not accept that request.",
  [ErrorCode.TOO_MANY_CONNECTIONS]:
    "Too many of your devices are connected. Close the app on one of them.",
  [ErrorCode.TOO_MANY_CONNECTIONS_PER_IP]:
    "Too many connections from your network. Try again in a moment.",
  [ErrorCode.REQUEST_TIMEOUT]: "The request took too long. Try again.",
  [ErrorCode.ADMIN_UNAUTHORIZED]: "Operator access was refused.",
  [ErrorCode.USER_BANNED]: "This account has been suspended.",
  [ErrorCode.NO_SUCH_USER]: "There is no user with that name.",
  [ErrorCode.SELF_MESSAGE]: "You cannot send a message to yourself.",
  [ErrorCode.BODY_LENGTH]: "That message is empty or too long to send.",
  [ErrorCode.NOT_FOUND]: "That message or conversation was not found.",
  [ErrorCode.RECALL_WINDOW]: "Too late to recall: messages can only be recalled for a short time.",
  [ErrorCode.ALREADY_RECALLED]: "That message was already recalled.",
  [ErrorCode.NOT_SENDER]: "You can only recall your own messages.",
  [ErrorCode.CURSOR_INVALID]: "The history changed. Reload the conversation.",
  [ErrorCode.MSG_ID_INVALID]: "That is not a message id.",
  [ErrorCode.FORBIDDEN]: "Your role in this group does not allow that.",
  [ErrorCode.GROUP_DISSOLVED]: "This group has been dissolved.",
  [ErrorCode.GROUP_FULL]: "This group is full.",
  [ErrorCode.NAME_LENGTH]: "That group name is empty or too long.",
  [ErrorCode.ANNOUNCEMENT_LENGTH]: "That announcement is too long.",
  [ErrorCode.AVATAR_INVALID]: "That picture cannot be used as the group's avatar.",
  [ErrorCode.MUTED]: "You are muted in this group for now.",
  [ErrorCode.MUTE_IN_PAST]: "Choose a mute end in the future.",
  [ErrorCode.OWNER_CANNOT_LEAVE]: "The owner cannot leave: hand the group over first.",
  [ErrorCode.INVITE_ONLY]: "This group is invite-only.",
  [ErrorCode.NOT_A_MEMBER]: "That user is not a member of this group.",
  [ErrorCode.MENTION_INVALID]: "You can only mention members of this group.",
  [ErrorCode.MENTION_ALL_FORBIDDEN]: "Only the owner and admins can mention everyone.",
  [ErrorCode.NO_SUCH_JOIN_REQUEST]: "That join request is no longer pending.",
  [ErrorCode.RECEIPTS_DETAIL_UNAVAILABLE]: "Who read it is not shown in groups this large.",
  [ErrorCode.ROOM_CLOSED]: "This live room has closed.",
  [ErrorCode.WRONG_KIND]: "That does not work in this kind of conversation.",
  [ErrorCode.NOT_IN_ROOM]: "Join the room first.",
  [ErrorCode.SEARCH_QUERY_EMPTY]: "Type something to search for.",
  [ErrorCode.SEARCH_QUERY_TOO_LONG]: "That search is too long. Use fewer words.",
  [ErrorCode.SEARCH_RANGE_INVALID]: "That date range cannot be searched.",
  [ErrorCode.SEARCH_CURSOR_INVALID]: "The results changed. Search again.",
  [ErrorCode.SEARCH_DISABLED]: "Search is not available on this server.",
  [ErrorCode.REFUSED]: "This user does not accept that from you.",
  [ErrorCode.SELF_TARGET]: "You cannot do that to yourself.",
  [ErrorCode.REQUEST_PENDING]: "Your friend request is still waiting for an answer.",
  [ErrorCode.ALREADY_FRIENDS]: "You are friends already.",
  [ErrorCode.NO_SUCH_REQUEST]: "That friend request is no longer pending.",
  [ErrorCode.NOT_FRIENDS]: "You are not friends with this user.",
  [ErrorCode.REMARK_LENGTH]: "That name is too long.",
  [ErrorCode.NOT_BLOCKED]: "This user is not blocked.",
  [ErrorCode.REQUEST_MESSAGE_LENGTH]: "That message is too long for a friend request.",
  [ErrorCode.DEVICE_NOT_FOUND]: "That device is not signed in.",
  [ErrorCode.PAGE_CURSOR_INVALID]: "The list changed. Reload it.",
  [ErrorCode.PROFILE_INVALID]: "That profile cannot be saved. Check the name and picture.",
  [ErrorCode.MEDIA_TOO_LARGE]: "That file is too large to send.",
  [ErrorCode.MEDIA_TYPE_MISMATCH]: "That file is not what it claims to be.",
  [ErrorCode.MEDIA_TYPE_FORBIDDEN]: "Programs cannot be sent.",
  [ErrorCode.MEDIA_NAME_INVALID]: "That file name cannot be used. Rename the file.",
  [ErrorCode.MEDIA_IMAGE_INVALID]: "That image is too large or damaged.",
  [ErrorCode.MEDIA_DURATION]: "That recording is too long.",
  [ErrorCode.MEDIA_NOT_FOUND]: "That file is not available.",
  [ErrorCode.MEDIA_LINK_INVALID]: "That link is not valid.",
  [ErrorCode.MEDIA_LINK_EXPIRED]: "That link has expired.",
  [ErrorCode.MEDIA_INVALID]: "That file cannot be sent here. Upload it again.",
  [ErrorCode.EDIT_WINDOW]: "Too late to edit: messages can only be edited for a while.",
  [ErrorCode.EDIT_NOT_ALLOWED]: "That message cannot be edited.",
  [ErrorCode.REPLY_INVALID]: "The message you are replying to is not in this conversation.",
  [ErrorCode.FORWARD_INVALID]: "That message cannot be forwarded.",
  [ErrorCode.CUSTOM_PAYLOAD]: "That message's content is not valid or too large.",
  [ErrorCode.REACTION_LIMIT]: "You have used all the reactions for that message.",
  [ErrorCode.CALL_BUSY]: "They are on another call.",
  [ErrorCode.CALL_ANSWERED_ELSEWHERE]: "The call was answered on another device.",
  [ErrorCode.CALL_ENDED]: "That call has ended.",
  [ErrorCode.CALL_STATE]: "The call cannot do that right now.",
  [ErrorCode.CALL_ID_TAKEN]: "That call is already under way. Start a new one.",
  [ErrorCode.CALL_UNSUPPORTED]: "Calls are not possible in this conversation.",
  [ErrorCode.INTERNAL]: "The server had a problem. Try again.",
  [ErrorCode.UNAVAILABLE]: "The server is busy right now. Try again in a moment.",
};

/** The plain-words sentence for an error code, or undefined for a code this SDK does not know. */
export function describeCode(code: number): string | undefined {
  return Object.hasOwn(PLAIN, code) ? PLAIN[code as ErrorCode] : undefined;
}

const CLOSE_PLAIN: Partial<Record<number, string>> = {
  [CloseCode.SESSION_REVOKED]: "You were signed out on this device.",
  [CloseCode.REPLACED]: "This account connected again from the same device elsewhere.",
  [CloseCode.ABUSE]: "Disconnected for sending too much. Reload to continue.",
  [CloseCode.POLICY]: "The server refused this page's connection.",
  [CloseCode.TOO_BIG]: "A message was too large for the server.",
  [CloseCode.DEVICE_LIMIT]:
    "You signed in on another device of this kind, so this one was signed out.",
  [CloseCode.SIGNED_OUT]: "You signed this device out from another one.",
};

/** A sentence an app can show for any error this package throws. */
export function describeError(err: unknown): string {
  if (err instanceof ServerError) {
    return describeCode(err.code) ??
      (err.message ? capitalize(err.message) + "." : "Request failed.");
  }
  if (err instanceof TimeoutError) return "The server did not answer in time.";
  if (err instanceof NetworkError) return "Cannot reach the server. Check your connection.";
  if (err instanceof ConnectionError) return "Not connected. It will be retried.";
  return err instanceof Error ? err.message : String(err);
}

/** A sentence for a close code that ends the session. */
export function describeClose(code: number, reason = ""): string {
  return CLOSE_PLAIN[code] ?? (reason ? `Disconnected: ${reason}.` : `Disconnected (${code}).`);
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
