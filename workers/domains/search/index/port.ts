/**
 * The index port: everything search needs from a full-text engine, and nothing else. The
 * adapters here keep the index in the database (Mroonga on MariaDB, ngram on MySQL 8); a
 * dedicated engine (OpenSearch, Meilisearch, ...) fed from the same outbox is one more adapter
 * (docs/ARCHITECTURE.md, "Search"). The index is a cache of the messages table: it may lag or
 * hold stale entries, and the query layer checks every hit against the stored message, so an
 * adapter never decides what a reader may see on its own.
 */

/** One searchable message as the index holds it. */
export interface IndexDoc {
  msgId: string;
  conversationId: string;
  seq: number;
  senderId: string;
  kind: string;
  createdAt: number;
  /** The text words are found in ("" for kinds found by filters only). */
  text: string;
}

/** Part of a conversation a reader may see: seqs in (above, upTo]. */
export interface Scope {
  conversationId: string;
  above: number;
  upTo: number | null;
}

export interface IndexQuery {
  /** Words that must all occur (none: filters only). */
  terms: string[];
  /** Only these conversations, each within its window (never empty). */
  scopes: Scope[];
  senderId?: string;
  kinds?: string[];
  /** created_at >= since */
  since?: number;
  /** created_at < until */
  until?: number;
  /** Strictly older than this (created_at, msg_id): the previous page's last hit. */
  before?: { createdAt: number; msgId: string };
  /** Newest first, at most this many. */
  limit: number;
}

export interface IndexHit {
  msgId: string;
  conversationId: string;
  seq: number;
  createdAt: number;
  /** The text the index holds (a hit whose text is not the message's current one is stale). */
  text: string;
}

export interface SearchIndex {
  readonly engine: string;
  /** Writes (replaces) these documents and removes these msgIds; idempotent. */
  write(docs: IndexDoc[], removed: string[]): Promise<void>;
  /** Matching documents, newest first by (createdAt, msgId). */
  query(q: IndexQuery): Promise<IndexHit[]>;
}
