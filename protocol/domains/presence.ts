/**
 * Presence: who is online and when they were last seen, for the users a connection watches.
 * Ephemeral: subscriptions and states live in Redis, never in a transaction. What a viewer may
 * see follows the server's policy (PRESENCE_VISIBILITY); a user outside it, or one who hid their
 * presence, looks exactly like a user who is offline with no last-seen time.
 */
import { userId } from "../fields.ts";
import { bool, list, object } from "../schema.ts";
import { ephemeral } from "../spec.ts";

/** Users one `presence.sub` or `presence.unsub` may name. */
export const PRESENCE_MAX_USERS = 200;

const users = object({ userIds: list(userId, PRESENCE_MAX_USERS) });

export const presenceFrames = {
  /** Watch these users (for PRESENCE_SUB_TTL_SEC; send again to renew): their states now, then changes. */
  "presence.sub": ephemeral(users, "presence"),
  /** Stop watching these users. */
  "presence.unsub": ephemeral(users),
  /** Hide your presence from everyone (or show it again); kept across sessions. */
  "presence.set": ephemeral(object({ hidden: bool() }), "presence"),
};

export interface PresenceView {
  userId: string;
  online: boolean;
  /** Epoch ms the user was last online; absent while online, hidden, unknown or not visible. */
  lastSeen?: number;
  /** Grows with each change of this user's presence: keep the view with the highest. */
  ver?: number;
}

export interface PresenceServerData {
  /** Reply to presence.sub / presence.set, and pushed when a watched user's presence changes. */
  presence: { users: PresenceView[] };
}
