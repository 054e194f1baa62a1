/**
 * Table types for Kysely. mysql2 runs with bigNumberStrings, so BIGINT columns (ids, millisecond
 * timestamps) arrive as strings; INT columns (seq cursors) as numbers.
 */
import type { ColumnType, Generated } from "kysely";

type BigId = ColumnType<string, string | bigint, string | bigint>;
type Ms = ColumnType<string, number, number>;

export interface UsersTable {
  id: Generated<string>;
  username: string;
  password_hash: string;
  nickname: string;
  created_at: Ms;
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
  /** For kind "recall": the recalled message. */
  ref_msg_id: BigId | null;
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

/** A user's presence choice: hidden users look offline, with no last seen, to everyone. */
export interface PresenceSettingsTable {
  user_id: BigId;
  hidden: number;
  updated_at: Ms;
}

export interface Database {
  users: UsersTable;
  refresh_tokens: RefreshTokensTable;
  conversations: ConversationsTable;
  conversation_members: ConversationMembersTable;
  messages: MessagesTable;
  partition_fences: PartitionFencesTable;
  reserved_ids: ReservedIdsTable;
  user_blocks: UserBlocksTable;
  presence_settings: PresenceSettingsTable;
}
