/**
 * checkSearch: pure validation of a search request against the configured limits, in the order
 * PROTOCOL.md documents: disabled, too long, empty, backwards range, cursor.
 */
import { type ClientData, ErrorCode } from "@im/protocol";
import type { Config } from "@im/shared/config";
import { PermanentError } from "@im/shared/errors";
import { decodeCursor, fingerprintOf, type Position } from "./cursor.ts";
import { parseTerms } from "./terms.ts";

export type SearchRequest = ClientData<"search">;
export type SearchLimits = Pick<
  Config,
  "searchEngine" | "searchMaxQueryChars" | "searchMaxTerms" | "searchPageSize" | "searchMaxPageSize"
>;

export interface CheckedSearch {
  terms: string[];
  limit: number;
  /** Which search a cursor belongs to. */
  fingerprint: string;
  /** Where the previous page ended. */
  after: Position | null;
}

export function checkSearch(
  req: SearchRequest,
  limits: SearchLimits,
): CheckedSearch | PermanentError {
  if (limits.searchEngine === "off") {
    return new PermanentError(ErrorCode.SEARCH_DISABLED, "search is not enabled on this server");
  }
  const query = req.query ?? "";
  const terms = parseTerms(query);
  if ([...query].length > limits.searchMaxQueryChars || terms.length > limits.searchMaxTerms) {
    return new PermanentError(
      ErrorCode.SEARCH_QUERY_TOO_LONG,
      `a query may have at most ${limits.searchMaxQueryChars} characters and ${limits.searchMaxTerms} words`,
    );
  }
  const filtered = req.conversationId !== undefined || req.from !== undefined ||
    (req.kinds?.length ?? 0) > 0 || req.since !== undefined || req.until !== undefined;
  if (terms.length === 0 && !filtered) {
    return new PermanentError(ErrorCode.SEARCH_QUERY_EMPTY, "give words to find or a filter");
  }
  if (req.since !== undefined && req.until !== undefined && req.since >= req.until) {
    return new PermanentError(ErrorCode.SEARCH_RANGE_INVALID, "since must be before until");
  }
  const fingerprint = fingerprintOf({
    terms,
    conversationId: req.conversationId ?? null,
    from: req.from ?? null,
    kinds: [...new Set(req.kinds ?? [])].sort(),
    since: req.since ?? null,
    until: req.until ?? null,
  });
  let after: Position | null = null;
  if (req.cursor !== undefined) {
    after = decodeCursor(req.cursor, fingerprint);
    if (!after) {
      return new PermanentError(
        ErrorCode.SEARCH_CURSOR_INVALID,
        "the cursor is not one this search gave out",
      );
    }
  }
  const limit = Math.min(req.limit ?? limits.searchPageSize, limits.searchMaxPageSize);
  return { terms, limit, fingerprint, after };
}
