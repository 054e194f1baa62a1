/**
 * The index kept in the database, in `search_index` (migration 050): MariaDB's Mroonga engine or
 * MySQL 8's ngram FULLTEXT. Both take the same SQL (`MATCH ... AGAINST (... IN BOOLEAN MODE)`,
 * `REPLACE`); they differ in how words become a boolean query, which each adapter states.
 */
import { sql } from "kysely";
import type { Exec } from "@im/shared/db";
import { booleanQuery } from "../terms.ts";
import type { IndexDoc, IndexHit, IndexQuery, Scope, SearchIndex } from "./port.ts";

/** Rows per REPLACE: one statement stays well under max_allowed_packet. */
const WRITE_CHUNK = 500;

abstract class SqlIndex implements SearchIndex {
  abstract readonly engine: string;

  constructor(protected readonly db: Exec) {}

  /** The AGAINST text for these words (bound as a parameter, never spliced). */
  abstract against(terms: string[]): string;

  /** Text run before the SELECT in the same statement (engine settings for this query alone). */
  protected statementPrefix = sql``;

  async write(docs: IndexDoc[], removed: string[]): Promise<void> {
    for (let i = 0; i < docs.length; i += WRITE_CHUNK) {
      const rows = docs.slice(i, i + WRITE_CHUNK).map((d) =>
        sql`(${d.msgId}, ${d.conversationId}, ${d.seq}, ${d.senderId}, ${d.kind}, ${d.createdAt}, ${d.text})`
      );
      await sql`REPLACE INTO search_index
        (msg_id, conversation_id, seq, sender_id, kind, created_at, body)
        VALUES ${sql.join(rows)}`.execute(this.db);
    }
    for (let i = 0; i < removed.length; i += WRITE_CHUNK) {
      await this.db.deleteFrom("search_index")
        .where("msg_id", "in", removed.slice(i, i + WRITE_CHUNK)).execute();
    }
  }

  async query(q: IndexQuery): Promise<IndexHit[]> {
    if (q.scopes.length === 0) return [];
    const where = [sql`(${sql.join(q.scopes.map(scopeSql), sql` OR `)})`];
    if (q.terms.length) {
      where.push(sql`MATCH (body) AGAINST (${this.against(q.terms)} IN BOOLEAN MODE)`);
    }
    if (q.senderId !== undefined) where.push(sql`sender_id = ${q.senderId}`);
    if (q.kinds?.length) where.push(sql`kind IN (${sql.join(q.kinds)})`);
    if (q.since !== undefined) where.push(sql`created_at >= ${q.since}`);
    if (q.until !== undefined) where.push(sql`created_at < ${q.until}`);
    if (q.before) {
      const { createdAt, msgId } = q.before;
      where.push(
        sql`(created_at < ${createdAt} OR (created_at = ${createdAt} AND msg_id < ${msgId}))`,
      );
    }
    const r = await sql<
      Record<string, unknown>
    >`${this.statementPrefix}SELECT msg_id, conversation_id, seq, created_at, body
      FROM search_index WHERE ${sql.join(where, sql` AND `)}
      ORDER BY created_at DESC, msg_id DESC LIMIT ${q.limit}`.execute(this.db);
    return r.rows.map((row) => ({
      msgId: String(row.msg_id),
      conversationId: String(row.conversation_id),
      seq: Number(row.seq),
      createdAt: Number(row.created_at),
      text: String(row.body),
    }));
  }
}

function scopeSql(s: Scope) {
  const upTo = s.upTo === null ? sql`` : sql` AND seq <= ${s.upTo}`;
  return sql`(conversation_id = ${s.conversationId} AND seq > ${s.above}${upTo})`;
}

/**
 * MariaDB + Mroonga: TokenBigram splits CJK into bigrams (a one-character word is a prefix
 * search of them) and keeps Latin words whole; the normalizer folds case, accents and width.
 */
export class MroongaIndex extends SqlIndex {
  readonly engine = "mroonga";
  /**
   * No match escalation: by default a word with no exact hit anywhere in the index is searched
   * again loosely (as a prefix), so whether a reader's own loose matches appear would depend on
   * what other users wrote. Off for this statement, so results depend on the reader's messages
   * alone (and Latin words match whole words, always).
   */
  protected override statementPrefix =
    sql`SET STATEMENT mroonga_match_escalation_threshold = -1 FOR `;
  against(terms: string[]): string {
    return booleanQuery(terms);
  }
}

/**
 * MySQL 8 + ngram (ngram_token_size 2): a phrase shorter than a token finds nothing, so a
 * one-character word becomes a prefix search (`+x*`), which finds it anywhere but at the very
 * end of a text. Folding comes from the column's utf8mb4_0900_ai_ci collation. Written and
 * unit-tested for its SQL; the suite runs on MariaDB.
 */
export class NgramIndex extends SqlIndex {
  readonly engine = "ngram";
  against(terms: string[]): string {
    const phrases = booleanQuery(terms.filter((t) => [...t].length > 1));
    const singles = terms.filter((t) => [...t].length === 1 && /[\p{L}\p{N}]/u.test(t))
      .map((t) => `+${t}*`);
    return [phrases, ...singles].filter(Boolean).join(" ");
  }
}
