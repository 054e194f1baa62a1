/**
 * searchPage: one page of a user's search. The reader's windows (statesFor over their own member
 * rows: cleared_seq for delete-for-me and history-less joins, left_seq for former members) are
 * the index query's scopes; every candidate is then checked against its stored message, so a
 * recalled, edited (stale text) or out-of-window message is never shown, whatever the index
 * holds. Candidates dropped that way are made up from further down, a few rounds at most.
 */
import { ErrorCode, type SearchHit, type SearchPage } from "@im/protocol";
import type { Exec } from "@im/shared/db";
import { PermanentError } from "@im/shared/errors";
import { findByIds, type StoredMessage } from "../messages/tables.ts";
import { type ReaderState, statesFor } from "../sync/states.ts";
import { checkSearch, type SearchLimits, type SearchRequest } from "./check.ts";
import { encodeCursor, type Position } from "./cursor.ts";
import { documentOf, searchableText } from "./documents.ts";
import type { IndexHit, Scope, SearchIndex } from "./index/port.ts";
import { snippetOf } from "./snippet.ts";
import { membershipsOf } from "./tables.ts";

export type SearchOutcome = { ok: true; page: SearchPage } | { ok: false; error: PermanentError };

export interface SearchDeps {
  db: Exec;
  /** Null when search is off (checkSearch refuses first). */
  index: SearchIndex | null;
  limits: SearchLimits;
}

const ROUNDS = 3;

export async function searchPage(
  d: SearchDeps,
  userId: string,
  req: SearchRequest,
): Promise<SearchOutcome> {
  const checked = checkSearch(req, d.limits);
  if (checked instanceof PermanentError) return { ok: false, error: checked };
  const states = statesFor(userId, await membershipsOf(d.db, userId));
  let mine = [...states.values()];
  if (req.conversationId !== undefined) {
    const one = states.get(req.conversationId);
    if (!one) {
      return { ok: false, error: new PermanentError(ErrorCode.NOT_FOUND, "no such conversation") };
    }
    mine = [one];
  }
  const scopes = mine.map(scopeOf).filter((s) => s.upTo === null || s.upTo > s.above);
  const { terms, limit } = checked;
  const hits: SearchHit[] = [];
  let before: Position | null = checked.after;
  let more = false;
  for (let round = 0; round < ROUNDS && scopes.length && d.index; round++) {
    const want = limit + 1 - hits.length;
    const found = await d.index.query({
      terms,
      scopes,
      senderId: req.from,
      kinds: req.kinds,
      since: req.since,
      until: req.until,
      before: before ?? undefined,
      limit: want,
    });
    const stored = await findByIds(d.db, found.map((h) => h.msgId));
    for (const h of found) {
      const m = stored.get(h.msgId);
      if (m && isCurrent(h, m, states)) hits.push(hitOf(m, terms));
    }
    more = found.length === want;
    if (!more || hits.length > limit) break;
    const last = found[found.length - 1];
    before = { createdAt: last.createdAt, msgId: last.msgId };
  }
  const page = hits.slice(0, limit);
  const tail = hits.length > limit ? page[page.length - 1] : null;
  // A page cut short by stale candidates still moves on past them.
  const next = tail ? { createdAt: tail.serverTime, msgId: tail.msgId } : more ? before : null;
  return {
    ok: true,
    page: next ? { hits: page, cursor: encodeCursor(next, checked.fingerprint) } : { hits: page },
  };
}

function scopeOf(s: ReaderState): Scope {
  return { conversationId: s.conversationId, above: s.window.above, upTo: s.window.upTo };
}

/** The stored message still is what the index says, and the reader may see it. */
function isCurrent(h: IndexHit, m: StoredMessage, states: Map<string, ReaderState>): boolean {
  const w = states.get(m.conversationId)?.window;
  if (!w || m.seq <= w.above || (w.upTo !== null && m.seq > w.upTo)) return false;
  return m.conversationId === h.conversationId && m.seq === h.seq && documentOf(m) !== null &&
    searchableText(m) === h.text;
}

function hitOf(m: StoredMessage, terms: string[]): SearchHit {
  return {
    msgId: m.msgId,
    conversationId: m.conversationId,
    seq: m.seq,
    from: m.senderId,
    kind: m.kind,
    serverTime: m.createdAt,
    ...snippetOf(searchableText(m), terms),
  };
}
