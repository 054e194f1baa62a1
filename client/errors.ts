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

const PLAIN: Partial<Record<number, string>> = {
  [ErrorCode.INVALID_CREDENTIALS]: "Wrong username or password.",
  [ErrorCode.USERNAME_TAKEN]: "That username is taken. Try another one.",
  [ErrorCode.INVALID_USERNAME]: "Usernames are 3 to 32 lowercase letters, digits or _.",
  [ErrorCode.TOO_MANY_ATTEMPTS]: "Too many attempts. Wait a few minutes and try again.",
  [ErrorCode.UNAUTHORIZED]: "Your session has ended. Please log in again.",
  [ErrorCode.REFRESH_INVALID]: "Your session has ended. Please log in again.",
  [ErrorCode.RATE_LIMITED]: "You are sending too fast. Slow down a little.",
  [ErrorCode.TOO_MANY_CONNECTIONS]:
    "Too many of your devices are connected. Close the app on one of them.",
  [ErrorCode.TOO_MANY_CONNECTIONS_PER_IP]:
    "Too many connections from your network. Try again in a moment.",
  [ErrorCode.NO_SUCH_USER]: "There is no user with that name.",
  [ErrorCode.SELF_MESSAGE]: "You cannot send a message to yourself.",
  [ErrorCode.BODY_LENGTH]: "That message is too long to send.",
  [ErrorCode.NOT_FOUND]: "That message or conversation was not found.",
  [ErrorCode.RECALL_WINDOW]: "Too late to recall: messages can only be recalled for a short time.",
  [ErrorCode.ALREADY_RECALLED]: "That message was already recalled.",
  [ErrorCode.NOT_SENDER]: "You can only recall your own messages.",
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
  [ErrorCode.MEDIA_TOO_LARGE]: "That file is too large to send.",
  [ErrorCode.MEDIA_TYPE_MISMATCH]: "That file is not what it claims to be.",
  [ErrorCode.MEDIA_TYPE_FORBIDDEN]: "Programs cannot be sent.",
  [ErrorCode.MEDIA_NAME_INVALID]: "That file name cannot be used. Rename the file.",
  [ErrorCode.MEDIA_IMAGE_INVALID]: "That image is too large or damaged.",
  [ErrorCode.MEDIA_DURATION]: "That recording is too long.",
  [ErrorCode.MEDIA_NOT_FOUND]: "That file is not available.",
  [ErrorCode.MEDIA_LINK_EXPIRED]: "That link has expired.",
  [ErrorCode.EDIT_WINDOW]: "Too late to edit: messages can only be edited for a while.",
  [ErrorCode.EDIT_NOT_ALLOWED]: "That message cannot be edited.",
  [ErrorCode.REPLY_INVALID]: "The message you are replying to is not in this conversation.",
  [ErrorCode.FORWARD_INVALID]: "That message cannot be forwarded.",
  [ErrorCode.REACTION_LIMIT]: "You have used all the reactions for that message.",
  [ErrorCode.INTERNAL]: "The server had a problem. Try again.",
  [ErrorCode.UNAVAILABLE]: "The server is busy right now. Try again in a moment.",
};

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
    return PLAIN[err.code] ?? (err.message ? capitalize(err.message) + "." : "Request failed.");
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
