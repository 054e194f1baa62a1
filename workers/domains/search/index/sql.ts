/**
 * The index kept in the database, in `search_index` (migration 050): MariaDB's Mroonga engine or
 * MySQL 8's ngram FULLTEXT. Writes are the same SQL; each adapter states how it finds: Mroonga
 * puts the reader's conversations into the full-text query (scope words) so it can also sort
 * and limit inside the engine; ngram filters by conversation in the WHERE clause.
 */
import { type RawBuilder, sql } from "kysely";
import type { Exec } from "@im/shared/db";
import { booleanQuery } from "../terms.ts";
import type { IndexDoc, IndexHit, IndexQuery, Scope, SearchIndex } from "./port.ts";
import { scopeWord, sortKey, sortKeyAt } from "./scope.ts";

/** Rows per REPLACE: one statement stays well under max_allowed_packet. */
const WRITE_CHUNK = 500;

abstract class SqlIndex implements SearchIndex {
  abstract readonly engine: string;

  constructor(protected readonly db: Exec) {}

  async write(docs: IndexDoc[], removed: string[]): Promise<void> {
    for (let i = 0; i < docs.length; i += WRITE_CHUNK) {
      const rows = docs.slice(i, i + WRITE_CHUNK).map((d) =>
        sql`(${d.msgId}, ${d.conversationId}, ${d.seq}, ${d.senderId}, ${d.kind}, ${d.createdAt},
          ${sortKey(d.createdAt, d.msgId).toString()}, ${d.text}, ${scopeWord(d.conversationId)})`
      );
      await sql`REPLACE INTO search_index
        (msg_id, conversation_id, seq, sender_id, kind, created_at, sort_key, body, scope)
        VALUES ${sql.join(rows)}`.execute(this.db);
    }
    for (let i = 0; i < removed.length; i += WRITE_CHUNK) {
      await this.db.deleteFrom("search_index")
        .where("msg_id", "in", removed.slice(i, i + WRITE_CHUNK)).execute();
    }
  }

  abstract query(q: IndexQuery): Promise<IndexHit[]>;

  /** The conditions every engine applies alike: sender, kinds, time range, the cursor. */
  protected filters(q: IndexQuery): RawBuilder<unknown>[] {
    const where: RawBuilder<unknown>[] = [];
    if (q.senderId !== undefined) where.push(sql`sender_id = ${q.senderId}`);
    if (q.kinds?.length === 1) where.push(sql`kind = ${q.kinds[0]}`);
    else if (q.kinds?.length) where.push(sql`kind IN (${sql.join(q.kinds)})`);
    if (q.since !== undefined) where.push(sql`sort_key >= ${sortKeyAt(q.since).toString()}`);
    if (q.until !== undefined) where.push(sql`sort_key < ${sortKeyAt(q.until).toString()}`);
    if (q.before) {
      where.push(sql`sort_key < ${sortKey(q.before.createdAt, q.before.msgId).toString()}`);
    }
    return where;
  }

  protected async select(
    prefix: RawBuilder<unknown>,
    where: RawBuilder<unknown>[],
    limit: number,
  ): Promise<Array<IndexHit & { key: bigint }>> {
    const r = await sql<Record<string, unknown>>`${prefix}SELECT msg_id, conversation_id, seq,
      created_at, sort_key, body FROM search_index WHERE ${sql.join(where, sql` AND `)}
      ORDER BY sort_key DESC LIMIT ${limit}`.execute(this.db);
    return r.rows.map((row) => ({
      msgId: String(row.msg_id),
      conversationId: String(row.conversation_id),
      seq: Number(row.seq),
      createdAt: Number(row.created_at),
      text: String(row.body),
      key: BigInt(String(row.sort_key)),
    }));
  }
}

function windowSql(s: Scope) {
  const upTo = s.upTo === null ? sql`` : sql` AND seq <= ${s.upTo}`;
  return sql`(conversation_id = ${s.conversationId} AND seq > ${s.above}${upTo})`;
}

const windowed = (s: Scope) => s.above > 0 || s.upTo !== null;

/**
 * MariaDB + Mroonga: TokenBigram splits CJK into bigrams (a one-character word is a prefix
 * search of them) and keeps Latin words whole; the normalizer folds case, accents and width.
 * Conversations the reader sees whole are one query that Mroonga answers inside the engine
 * (full-text AND scope words, sorted and limited by sort_key: its "fast ORDER BY LIMIT"); those
 * seen only in part (history cleared, joined without history, left) are a second query that
 * adds their seq windows, and the two are merged.
 */
export class MroongaIndex extends SqlIndex {
  readonly engine = "mroonga";

  /**
   * No match escalation: by default a word with no exact hit anywhere in the index is searched
   * again loosely (as a prefix), so whether a reader's own loose matches appear would depend on
   * what other users wrote. Off for this statement, so results depend on the reader's messages
   * alone (and Latin words match whole words, always).
   */
  static readonly PREFIX = sql`SET STATEMENT mroonga_match_escalation_threshold = -1 FOR `;

  async query(q: IndexQuery): Promise<IndexHit[]> {
    const whole = q.scopes.filter((s) => !windowed(s));
    const part = q.scopes.filter(windowed);
    const runs = [];
    if (whole.length) runs.push(this.#run(q, whole, []));
    if (part.length) {
      runs.push(this.#run(q, part, [sql`(${sql.join(part.map(windowSql), sql` OR `)})`]));
    }
    const hits = (await Promise.all(runs)).flat();
    hits.sort((a, b) => (a.key < b.key ? 1 : a.key > b.key ? -1 : 0));
    return hits.slice(0, q.limit).map(({ key: _, ...h }) => h);
  }

  #run(q: IndexQuery, scopes: Scope[], extra: RawBuilder<unknown>[]) {
    const words = q.terms.length ? booleanQuery(q.terms) + " " : "";
    const against = `${words}+(${
      [...new Set(scopes.map((s) => scopeWord(s.conversationId)))].join(" ")
    })`;
    return this.select(
      MroongaIndex.PREFIX,
      [sql`MATCH (body, scope) AGAINST (${against} IN BOOLEAN MODE)`, ...extra, ...this.filters(q)],
      q.limit,
    );
  }
}

/**
 * MySQL 8 + ngram (ngram_token_size 2): a phrase shorter than a token finds nothing, so a
 * one-character word becomes a prefix search (`+x*`), which finds it anywhere but at the very
 * end of a text. Folding comes from the column's utf8mb4_0900_ai_ci collation. Conversations
 * and windows are WHERE conditions (scope words would be split into bigrams). Written and
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

  async query(q: IndexQuery): Promise<IndexHit[]> {
    const where = [sql`(${sql.join(q.scopes.map(windowSql), sql` OR `)})`];
    if (q.terms.length) {
      where.push(sql`MATCH (body) AGAINST (${this.against(q.terms)} IN BOOLEAN MODE)`);
    }
    const hits = await this.select(sql``, [...where, ...this.filters(q)], q.limit);
    return hits.map(({ key: _, ...h }) => h);
  }
}
