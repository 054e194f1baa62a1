/**
 * Message search: a user's own conversations by keyword (any language) and filters, newest
 * first, paged by an opaque cursor. The read lane: it never waits behind message writes.
 */
import { conversationIdSchema } from "../conversations.ts";
import { userId } from "../fields.ts";
import { int, list, object, optional, str } from "../schema.ts";
import { read } from "../spec.ts";

/** Epoch ms, as every time on the wire. */
const time = int({ min: 0, max: 2 ** 53 - 1 });

export const searchFrames = {
  search: read(
    object({
      /** Words to find (all of them); operators and quotes are plain text. May be empty with a filter. */
      query: optional(str({ max: 1000 })),
      conversationId: optional(conversationIdSchema),
      /** Only messages from this user. */
      from: optional(userId),
      /** Only these message kinds ("text", "image", "file", ...). */
      kinds: optional(list(str({ min: 1, max: 16, pattern: /^[a-z][a-z_]*$/ }), 8)),
      /** Sent at or after this time. */
      since: optional(time),
      /** Sent before this time. */
      until: optional(time),
      /** The `cursor` of the previous page of the same search. */
      cursor: optional(str({ min: 1, max: 200 })),
      limit: optional(int({ min: 1, max: 100 })),
    }),
    "search.page",
  ),
};

export interface SearchHit {
  msgId: string;
  conversationId: string;
  /** Open the conversation's history around this seq to show the message in place. */
  seq: number;
  from: string;
  kind: string;
  serverTime: number;
  /** An excerpt of the message around its first match (the whole text when it is short). */
  snippet: string;
  /** The matched words in `snippet`: [start, end) offsets in UTF-16 code units, ascending. */
  marks: Array<[number, number]>;
}

export interface SearchPage {
  hits: SearchHit[];
  /** Pass as `cursor` (with the same query and filters) for the next page; absent on the last. */
  cursor?: string;
}

export interface SearchServerData {
  "search.page": SearchPage;
}
