/**
 * @im/client: the TypeScript SDK of the IM server, for browsers and Deno.
 *
 * ```ts
 * import { AuthApi, ImClient } from "@im/client";
 * const api = new AuthApi("http://127.0.0.1:8080");
 * const client = new ImClient({ api, session: await api.login({ username, password }) });
 * client.on("message", (m) => console.log(m.from, m.body));
 * await client.connect();
 * ```
 * @module
 */
export { ImClient } from "./client.ts";
export { Call, type CallEvents, type CallPhase } from "./calls.ts";
export type { ClientEvents, ClientOptions } from "./options.ts";
export { AuthApi } from "./http.ts";
export type { FetchFn, LoginResult, PublicUser } from "./http.ts";
export { type Session, sessionFromLogin } from "./session.ts";
export type { ConnectionState, StateChange } from "./connection.ts";
export {
  closeAction,
  CloseCode,
  ConnectionError,
  describeClose,
  describeError,
  ErrorCode,
  HttpError,
  isTransient,
  NetworkError,
  ServerError,
  TimeoutError,
} from "./errors.ts";
export type { CloseAction } from "./errors.ts";
export { newClientMsgId, type OutboxStorage, type Outgoing, type OutgoingState } from "./outbox.ts";
export { MessageStore } from "./store.ts";
export type { ConversationState } from "./store.ts";
export type { ConversationSummary, MessageStatus, TimelineItem } from "./views.ts";
export { statusOf } from "./views.ts";
export { Backoff, type BackoffOptions, DEFAULT_BACKOFF } from "./backoff.ts";
export type { Clock } from "./clock.ts";
export { Emitter, type Listener } from "./emitter.ts";
export {
  authProtocols,
  type SocketFactory,
  type SocketLike,
  webSocketFactory,
} from "./transport.ts";
export {
  type CallMedia,
  type CallRecord,
  type CallSignal,
  type ClientFrame,
  type ConversationKind,
  type ConversationState as ServerConversationState,
  type Cursor,
  directConversationId,
  directPeer,
  type EndedCall,
  groupConversationId,
  type Hello,
  type IceServer,
  type MessageKind,
  type MessageView,
  type OfflineNotice,
  parseConversationId,
  parseServerFrame,
  type PresenceView,
  PROTOCOL_VERSION,
  type Recalled,
  type Receipt,
  type SentAck,
  type ServerFrame,
  SUBPROTOCOL,
  type SyncConversation,
  type Typing,
} from "@im/protocol";
