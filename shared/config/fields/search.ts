/** Message search: the engine behind the index port, and the limits of one search request. */
import { field, type FieldSpec } from "../spec.ts";

export const searchFields = {
  searchEngine: field(
    "SEARCH_ENGINE",
    "string",
    "mroonga",
    "Full-text engine of message search: mroonga (MariaDB), ngram (MySQL 8), or off (nothing is indexed; search answers SEARCH_DISABLED).",
    { pattern: /^(mroonga|ngram|off)$/ },
  ),
  searchMaxQueryChars: field(
    "SEARCH_MAX_QUERY_CHARS",
    "int",
    "200",
    "Longest search query, in characters (the protocol caps it at 1000).",
    { min: 1, max: 1000 },
  ),
  searchMaxTerms: field(
    "SEARCH_MAX_TERMS",
    "int",
    "8",
    "Most words in one search query (each is one more full-text lookup).",
    { min: 1, max: 64 },
  ),
  searchPageSize: field(
    "SEARCH_PAGE_SIZE",
    "int",
    "20",
    "Search hits per page when the request names no limit.",
    { min: 1, max: 100 },
  ),
  searchMaxPageSize: field(
    "SEARCH_MAX_PAGE_SIZE",
    "int",
    "50",
    "Most search hits per page; a larger limit is lowered to it.",
    { min: 1, max: 100 },
  ),
  searchIndexIntervalMs: field(
    "SEARCH_INDEX_INTERVAL_MS",
    "int",
    "200",
    "How often a worker drains the search outbox into the index (the most a new message waits to be found).",
    { min: 10 },
  ),
} as const satisfies Record<string, FieldSpec>;
