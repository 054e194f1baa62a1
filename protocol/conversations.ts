/**
 * Conversation ids: the only code that builds or parses them. A conversation has N members; a
 * direct chat is the conversation of two users, named by both (`d:<lower id>:<higher id>`, the
 * same id whichever of them starts it); a group is named by its own id (`g:<groupId>`).
 */
import type { Schema } from "./schema.ts";

export type ConversationKind = "direct" | "group";

export type ParsedConversation =
  | { kind: "direct"; id: string; members: [string, string] }
  | { kind: "group"; id: string; groupId: string };

const ID = "[1-9][0-9]{0,19}";
const DIRECT = new RegExp(`^d:(${ID}):(${ID})$`);
const GROUP = new RegExp(`^g:(${ID})$`);
const USER_ID = new RegExp(`^${ID}$`);

/** The direct conversation of two users: the same id whichever of them sends. */
export function directConversationId(a: string, b: string): string {
  const [lo, hi] = BigInt(a) < BigInt(b) ? [a, b] : [b, a];
  return `d:${lo}:${hi}`;
}

export function groupConversationId(groupId: string): string {
  return `g:${groupId}`;
}

/** Parses an id; null for anything that is not a well-formed conversation id. */
export function parseConversationId(id: string): ParsedConversation | null {
  if (typeof id !== "string" || id.length > 64) return null;
  const d = DIRECT.exec(id);
  if (d) {
    // Exactly one spelling per pair: ordered, and never a user with themselves.
    if (BigInt(d[1]) >= BigInt(d[2])) return null;
    return { kind: "direct", id, members: [d[1], d[2]] };
  }
  const g = GROUP.exec(id);
  if (g) return { kind: "group", id, groupId: g[1] };
  return null;
}

/** The other member of a direct conversation, or null (a group, or `me` is not in it). */
export function directPeer(conversationId: string, me: string): string | null {
  const c = parseConversationId(conversationId);
  if (c?.kind !== "direct") return null;
  const [a, b] = c.members;
  return a === me ? b : b === me ? a : null;
}

export function isUserId(value: string): boolean {
  return USER_ID.test(value);
}

/** Schema of a conversation id field: well-formed ids only. */
export const conversationIdSchema: Schema<string> = {
  parse(input, path = "") {
    if (typeof input !== "string") {
      return { ok: false, issue: { path, problem: "must be a string" } };
    }
    return parseConversationId(input)
      ? { ok: true, value: input }
      : { ok: false, issue: { path, problem: "is not a conversation id" } };
  },
};
