/**
 * Table types for Kysely. mysql2 runs with bigNumberStrings, so BIGINT columns (ids, millisecond
 * timestamps) arrive as strings; INT columns (seq cursors) as numbers.
 */
import type { ColumnType, Generated } from "kysely";
import type { GroupTables } from "./schema_groups.ts";

type BigId = ColumnType<string, string | bigint, string | bigint>;
type Ms = ColumnType<string, number, number>;

export interface UsersTable {
  id: Generated<string>;
  username: string;
  password_hash: string;
  nickname: string;
  created_at: Ms;
  avatar_url: Generated<string>;
  bio: Generated<string>;
  /** "everyone" | "friends"; NULL: the server's DM_POLICY. */
  dm_policy: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface RefreshTokensTable {
  id: string;
  family_id: string;
  user_id: BigId;
  device_id: string;
  secret_hash: string;
  expires_at: Ms;
  used_at: Ms | null;
  revoked_at: Ms | null;
  created_at: Ms;
}

/** One row per conversation; `kind` "direct" or "group". `last_seq` is the seq counter. */
export interface ConversationsTable {
  id: string;
  kind: string;
  last_seq: number;
  last_msg_id: BigId | null;
  created_at: Ms;
  updated_at: Ms;
  /** The latest seq that mentions everyone (@all). */
  mention_all_seq: Generated<number>;
}

/** Per-member state of a conversation: role and the member's cursors (they only grow). */
export interface ConversationMembersTable {
  conversation_id: string;
  user_id: BigId;
  role: Generated<string>;
  joined_at: Ms;
  read_seq: Generated<number>;
  delivered_seq: Generated<number>;
  /** The member sees seqs above this ("delete for me", or a group joined without history). */
  cleared_seq: Generated<number>;
  /** Set once the member left or was removed: they see seqs up to it, and nothing after. */
  left_seq: ColumnType<number | null, number | null | undefined, number | null>;
  /** The latest seq that mentions the member (mentioned while above read_seq). */
  mention_seq: Generated<number>;
  /** The member's own settings (0/1), and the list's activity time (last message or joining). */
  pinned: Generated<number>;
  muted: Generated<number>;
  hidden: Generated<number>;
  active_at: ColumnType<string, number | undefined, number>;
  /** Groups: the member cannot send until then (epoch ms). */
  muted_until: ColumnType<string | null, number | null | undefined, number | null>;
}

export interface MessagesTable {
  msg_id: BigId;
  conversation_id: string;
  seq: number;
  sender_id: BigId;
  client_msg_id: string;
  kind: string;
  body: string;
  created_at: Ms;
  /** Stream entry that stored it: a redelivery of that entry re-publishes, a client resend does not. */
  source_entry: string;
  recalled_at: Ms | null;
  /** For notices (kind "recall", "edit"): the message they are about. */
  ref_msg_id: BigId | null;
  /** The kind's JSON (media reference, location, custom payload, forwarded-from). */
  content: ColumnType<string | null, string | null | undefined, string | null>;
  media_id: ColumnType<string | null, string | bigint | null | undefined, string | null>;
  reply_to_msg_id: ColumnType<string | null, string | bigint | null | undefined, string | null>;
  edited_at: ColumnType<string | null, number | null | undefined, number | null>;
  /** Groups: JSON {"users": [...], "all": true} of whom it mentions; null for none. */
  mentions: ColumnType<string | null, string | null | undefined, string | null>;
}

/** An uploaded object, bound to the conversation it was uploaded for. */
export interface MediaTable {
  media_id: Generated<string>;
  conversation_id: string;
  uploader_id: BigId;
  kind: string;
  mime: string;
  size: ColumnType<string, number, number>;
  name: string;
  width: number | null;
  height: number | null;
  duration_ms: number | null;
  storage_key: string;
  thumb_key: string | null;
  thumb_width: number | null;
  thumb_height: number | null;
  created_at: Ms;
}

export interface MessageReactionsTable {
  msg_id: BigId;
  user_id: BigId;
  emoji: string;
  created_at: Ms;
}

/** msgIds handed to a client by ids.fetch; a row is deleted when its id is used. */
export interface ReservedIdsTable {
  msg_id: BigId;
  user_id: BigId;
  issued_at: Ms;
}

/** Highest partition fence that has committed: a writer with a smaller fence is refused. */
export interface PartitionFencesTable {
  partition_id: number;
  fence: BigId;
}

/** A user's block of another: no direct messages, friend requests or calls between them. */
export interface UserBlocksTable {
  user_id: BigId;
  blocked_id: BigId;
  created_at: Ms;
}

/** Messages whose search entry must be written again (send, recall, edit); see 050_search. */
export interface SearchOutboxTable {
  id: Generated<string>;
  msg_id: BigId;
}

/** One row: its lock lets one indexer at a time drain search_outbox. */
export interface SearchStateTable {
  id: number;
  indexed_at: Ms;
}

/** The full-text index (Mroonga on MariaDB, ngram on MySQL): one row per searchable message. */
export interface SearchIndexTable {
  msg_id: BigId;
  conversation_id: string;
  seq: number;
  sender_id: BigId;
  kind: string;
  created_at: Ms;
  sort_key: BigId;
  body: string;
  scope: string;
}

/** One side of a friendship (two rows per friendship); `remark` is that side's private name. */
export interface FriendshipsTable {
  user_id: BigId;
  friend_id: BigId;
  remark: Generated<string>;
  created_at: Ms;
}

/** Pending friend requests only: answering one deletes it. */
export interface FriendRequestsTable {
  from_id: BigId;
  to_id: BigId;
  message: Generated<string>;
  created_at: Ms;
}

/** Devices a user signed in with; signed in while a refresh token of it is live. */
export interface DevicesTable {
  user_id: BigId;
  device_id: string;
  platform: string;
  name: Generated<string>;
  created_at: Ms;
  last_login_at: Ms;
  last_seen_at: Ms;
}

/** Secrets the server made for itself (`paging`: signs list cursors). */
export interface ServerKeysTable {
  name: string;
  secret: Uint8Array;
  created_at: Ms;
}

/** A user's presence choice: hidden users look offline, with no last seen, to everyone. */
export interface PresenceSettingsTable {
  user_id: BigId;
  hidden: number;
  updated_at: Ms;
}

/** A banned user (admin API): cannot log in, refresh or connect until unbanned. */
export interface UserBansTable {
  user_id: BigId;
  reason: string;
  banned_at: Ms;
}

export interface Database extends GroupTables {
  users: UsersTable;
  refresh_tokens: RefreshTokensTable;
  conversations: ConversationsTable;
  conversation_members: ConversationMembersTable;
  messages: MessagesTable;
  partition_fences: PartitionFencesTable;
  reserved_ids: ReservedIdsTable;
  user_blocks: UserBlocksTable;
  search_outbox: SearchOutboxTable;
  search_state: SearchStateTable;
  search_index: SearchIndexTable;
  friendships: FriendshipsTable;
  friend_requests: FriendRequestsTable;
  devices: DevicesTable;
  server_keys: ServerKeysTable;
  media: MediaTable;
  message_reactions: MessageReactionsTable;
  presence_settings: PresenceSettingsTable;
  user_bans: UserBansTable;
}
