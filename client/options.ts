/** What `ImClient` takes and what it emits. */
import type {
  BlockChange,
  Cursor,
  FriendChange,
  GroupInfo,
  JoinRequest,
  MessageView,
  MyProfile,
  OfflineNotice,
  PresenceView,
  ReactionChanged,
  Receipt,
  RoomInfo,
  RoomMessage,
  Typing,
} from "@im/protocol";
import type { Call } from "./calls.ts";
import type { MediaApi, UploadProgress } from "./media.ts";
import type { BackoffOptions } from "./backoff.ts";
import type { Clock } from "./clock.ts";
import type { StateChange } from "./connection.ts";
import type { AuthApi, LoginResult } from "./http.ts";
import type { OutboxStorage, Outgoing } from "./outbox.ts";
import type { Session } from "./session.ts";
import type { SocketFactory } from "./transport.ts";

export interface ClientEvents {
  state: StateChange;
  /** A new message in a conversation (yours from other devices and acked sends included). */
  message: MessageView;
  /** The server stored one of your sends. */
  ack: { clientMsgId: string; message: MessageView };
  /** Another member's (or your other device's) read/delivered cursors moved. */
  receipt: Receipt;
  /** A message was recalled; `message` is the (now empty) original. */
  recall: MessageView;
  /** A message was edited (on any device); this is its new version. */
  edit: MessageView;
  /** Someone added or removed a reaction; `message` is the updated one, if held here. */
  reaction: ReactionChanged & { message: MessageView | null };
  /** Bytes of an upload sent so far. */
  upload: UploadProgress & { name: string };
  /** Your message was stored for members with no device online. */
  offline: OfflineNotice;
  /** Someone in a conversation started or stopped typing (expires after `expiresInMs`). */
  typing: Typing;
  /** Watched users' presence changed (see `ImClient.watchPresence`). */
  presence: PresenceView[];
  /** A call rings on this device (`call.accept()`, `call.reject()`). */
  call: Call;
  outbox: Outgoing[];
  /** A friend request, accept, decline, cancel, unfriend or remark (yours, from any device, or theirs). */
  friend: FriendChange;
  /** You blocked or unblocked someone (here or on another device). */
  block: BlockChange;
  /** Your profile or settings changed (here or on another device). */
  profile: MyProfile;
  /** New tokens: persist them if the app keeps sessions across reloads. */
  session: Session;
  /** A background failure (sync, gap fill, an unsolicited error frame). */
  error: Error;
  /** What this user sees of a group changed (created, renamed, a role, removed...). */
  group: GroupInfo;
  /** To owners and admins: someone asks to join an approval group. */
  groupRequest: JoinRequest;
  /** Your join request was declined. */
  groupDeclined: { conversationId: string; by: string };
  /** A message in a live room this connection is present in. */
  room: RoomMessage;
  /** A live room changed (closed by its owner). */
  roomInfo: RoomInfo;
  /** Something a UI shows changed; re-render. */
  change: { conversationId?: string };
}

export interface ClientOptions {
  /** From `AuthApi.login` (or a saved `Session`). */
  session: Session | LoginResult;
  /** Enables token refresh (expired tokens, moving to another gateway) and media uploads. */
  api?: AuthApi;
  /** The media API (default: the one at `api`'s base URL). */
  media?: MediaApi;
  sockets?: SocketFactory;
  clock?: Clock;
  random?: () => number;
  backoff?: BackoffOptions;
  requestTimeoutMs?: number;
  sendTimeoutMs?: number;
  helloTimeoutMs?: number;
  heartbeatMs?: number;
  syncLimit?: number;
  gapWaitMs?: number;
  outboxStorage?: OutboxStorage;
  /**
   * Where this device's conversations stand (saved from `store.cursors()`). Sync starts there;
   * older messages come by `loadOlder`. Without it, sync starts every conversation at seq 0.
   */
  cursors?: Cursor[];
  /** The inbox cursor saved with them (`client.inboxCursor`); sync continues from it. */
  inboxCursor?: string;
  /** How often the watches of large groups are renewed (default 30 s). */
  watchEveryMs?: number;
  /** How often watched presence is renewed; keep below the server's PRESENCE_SUB_TTL_SEC. */
  presenceRenewMs?: number;
}
