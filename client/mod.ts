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
export { Groups, type NewGroup } from "./groups.ts";
export { Rooms } from "./rooms.ts";
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
  describeCode,
  describeError,
  ErrorCode,
  HttpError,
  isTransient,
  NetworkError,
  ServerError,
  TimeoutError,
} from "./errors.ts";
export type { CloseAction } from "./errors.ts";
export {
  newClientMsgId,
  type OutboxStorage,
  type Outgoing,
  type OutgoingContent,
  type OutgoingState,
} from "./outbox.ts";
export { MediaApi, type MediaLink, type UploadProgress, type UploadRequest } from "./media.ts";
export { isHiddenNotice, MessageStore } from "./store.ts";
export { describeMessage } from "./describe.ts";
export type { ConversationState } from "./store.ts";
export type { ConversationSummary, MessageStatus, TimelineItem } from "./views.ts";
export { statusOf } from "./views.ts";
export { markedSnippet, type SnippetPart, snippetParts } from "./search.ts";
export { type RequestItem, Social } from "./social.ts";
export { Inbox, listOrder } from "./inbox.ts";
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
  type BlockChange,
  type BlockedView,
  type CallMedia,
  type CallRecord,
  type CallSignal,
  type ClientFrame,
  type ConversationItem,
  type ConversationKind,
  type ConversationSettings,
  type ConversationState as ServerConversationState,
  type Cursor,
  type CustomContent,
  type DeviceView,
  directConversationId,
  directPeer,
  type DmPolicy,
  EDITABLE_KINDS,
  type Edited,
  type EndedCall,
  type FriendChange,
  type FriendRequestView,
  type FriendView,
  groupConversationId,
  type GroupInfo,
  type GroupMember,
  type GroupNotice,
  type GroupOk,
  type GroupRole,
  type Hello,
  type IceServer,
  type JoinPolicy,
  type JoinRequest,
  type Limits,
  type Location,
  type MediaKind,
  type MediaRef,
  type MessageKind,
  type MessageView,
  type MyProfile,
  type NoticeEvent,
  type OfflineNotice,
  parseConversationId,
  parseServerFrame,
  type Platform,
  PLATFORMS,
  type PresenceView,
  PROTOCOL_VERSION,
  type PublicProfile,
  type ReactionChanged,
  type ReactionCount,
  type Recalled,
  type Receipt,
  type ReplyPreview,
  roomConversationId,
  type RoomInfo,
  type RoomMessage,
  type SearchHit,
  type SearchPage,
  type SentAck,
  type ServerFrame,
  SUBPROTOCOL,
  type SyncConversation,
  type Typing,
} from "@im/protocol";
