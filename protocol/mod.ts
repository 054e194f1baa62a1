/**
 * @im/protocol: the wire protocol (v1) shared by the gateway, the workers and the client SDK.
 * No dependencies: frames and their schemas, error and close codes with the reconnect rule, and
 * the only code that builds or parses conversation ids.
 * @module
 */
export * from "./schema.ts";
export * from "./errors.ts";
export * from "./conversations.ts";
export * from "./spec.ts";
export * from "./fields.ts";
export * from "./frames.ts";
export type { Hello, Limits } from "./domains/system.ts";
export type {
  Edited,
  MessageKind,
  MessageView,
  OfflineNotice,
  ReactionChanged,
  Recalled,
  SentAck,
} from "./domains/messages.ts";
export * from "./domains/content.ts";
export type { Receipt } from "./domains/receipts.ts";
export type { ConversationState, Cursor, HistoryPage, SyncConversation } from "./domains/sync.ts";
export type { Typing } from "./domains/typing.ts";
export type { SearchHit, SearchPage } from "./domains/search.ts";
export type {
  BlockChange,
  BlockedView,
  FriendChange,
  FriendChangeKind,
  FriendRequestView,
  FriendView,
} from "./domains/friends.ts";
export { pairKey } from "./domains/friends.ts";
export type { DmPolicy, MyProfile, PublicProfile } from "./domains/profiles.ts";
export type { ConversationItem, ConversationSettings } from "./domains/inbox.ts";
export { DEFAULT_PAGE_LIMIT } from "./domains/paging.ts";
export { type DeviceView, type Platform, PLATFORMS } from "./domains/devices.ts";
export type {
  Diffusion,
  GroupInfo,
  GroupMember,
  GroupNotice,
  GroupOk,
  GroupRole,
  JoinPolicy,
  JoinRequest,
  NoticeEvent,
} from "./domains/groups.ts";
export type { RoomInfo, RoomMessage } from "./domains/rooms.ts";
export type { PresenceView } from "./domains/presence.ts";
export { PRESENCE_MAX_USERS } from "./domains/presence.ts";
export type {
  AcceptedCall,
  CallEndReason,
  CallMedia,
  CallOutcome,
  CallRecord,
  CallSignal,
  EndedCall,
  IceServer,
  IncomingCall,
  RingingCall,
} from "./domains/calls.ts";
export { callIdSchema } from "./domains/calls.ts";
