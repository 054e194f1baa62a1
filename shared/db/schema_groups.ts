/** Table types of groups, write diffusion (the inbox) and live rooms (migrations 010-013). */
import type { ColumnType } from "kysely";

type BigId = ColumnType<string, string | bigint, string | bigint>;
type Ms = ColumnType<string, number, number>;

/** One row per group, keyed by its conversation id; `member_count` counts current members. */
export interface ChatGroupsTable {
  conversation_id: string;
  name: string;
  avatar: string;
  announcement: string;
  join_policy: string;
  owner_id: BigId;
  member_count: number;
  muted_all: number;
  creator_id: BigId;
  /** Idempotency key of group.create, unique per creator. */
  client_key: string;
  created_at: Ms;
  updated_at: Ms;
  dissolved_at: Ms | null;
}

/** Pending join requests of approval groups; a decision deletes the row. */
export interface GroupRequestsTable {
  conversation_id: string;
  user_id: BigId;
  message: string;
  created_at: Ms;
}

/** A member's entry for one message: `(part, pos)` orders a user's inbox per partition. */
export interface InboxTable {
  user_id: BigId;
  part: number;
  pos: BigId;
}

/** The message at each inbox position (named once, whatever the number of recipients). */
export interface InboxMessagesTable {
  part: number;
  pos: BigId;
  conversation_id: string;
  seq: number;
}

/** The last inbox position each partition handed out. */
export interface InboxPositionsTable {
  part: number;
  pos: BigId;
}

export interface RoomsTable {
  conversation_id: string;
  title: string;
  owner_id: BigId;
  client_key: string;
  created_at: Ms;
  closed_at: Ms | null;
}

export interface GroupTables {
  chat_groups: ChatGroupsTable;
  group_requests: GroupRequestsTable;
  inbox: InboxTable;
  inbox_messages: InboxMessagesTable;
  inbox_positions: InboxPositionsTable;
  rooms: RoomsTable;
}
