/** What `ImClient` takes and what it emits. */
import type {
  Cursor,
  MessageView,
  OfflineNotice,
  PresenceView,
  Receipt,
  Typing,
} from "@im/protocol";
import type { Call } from "./calls.ts";
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
  /** Your message was stored for members with no device online. */
  offline: OfflineNotice;
  /** Someone in a conversation started or stopped typing (expires after `expiresInMs`). */
  typing: Typing;
  /** Watched users' presence changed (see `ImClient.watchPresence`). */
  presence: PresenceView[];
  /** A call rings on this device (`call.accept()`, `call.reject()`). */
  call: Call;
  outbox: Outgoing[];
  /** New tokens: persist them if the app keeps sessions across reloads. */
  session: Session;
  /** A background failure (sync, gap fill, an unsolicited error frame). */
  error: Error;
  /** Something a UI shows changed; re-render. */
  change: { conversationId?: string };
}

export interface ClientOptions {
  /** From `AuthApi.login` (or a saved `Session`). */
  session: Session | LoginResult;
  /** Enables token refresh (expired tokens, moving to another gateway). */
  api?: AuthApi;
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
  /** How often watched presence is renewed; keep below the server's PRESENCE_SUB_TTL_SEC. */
  presenceRenewMs?: number;
}
