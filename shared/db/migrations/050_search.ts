// Message search (docs/ARCHITECTURE.md, "Search"). Three tables:
// - search_outbox (InnoDB): a row per message whose index entry must be (re)written, inserted in
//   the same transaction as the message write (send, recall, edit), so nothing is ever lost and
//   a message write never waits for, or fails on, the full-text engine;
// - search_state (InnoDB): one row whose lock makes one indexer at a time drain the outbox;
// - search_index: the full-text index itself. On MariaDB it is a Mroonga table (Debian's
//   mariadb-plugin-mroonga: TokenBigram handles CJK, the normalizer folds case and accents); on
//   MySQL 8 an InnoDB table with an ngram FULLTEXT index. Mroonga is not transactional, which
//   is why it is only written by the indexer, from the outbox, and repaired by the rebuild.
import { type Kysely, sql } from "kysely";

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE TABLE IF NOT EXISTS search_outbox (
    id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    msg_id BIGINT UNSIGNED NOT NULL
  ) ENGINE=InnoDB`.execute(db);
  await sql`CREATE TABLE IF NOT EXISTS search_state (
    id TINYINT UNSIGNED NOT NULL PRIMARY KEY,
    indexed_at BIGINT NOT NULL DEFAULT 0
  ) ENGINE=InnoDB`.execute(db);
  await sql`INSERT IGNORE INTO search_state (id) VALUES (1)`.execute(db);
  if (await isMariaDb(db)) {
    await loadMroonga(db);
    await sql.raw(MROONGA_TABLE).execute(db);
  } else {
    // With the default stopword list an ngram index drops every bigram holding "a", "i", ...
    await sql`SET SESSION innodb_ft_enable_stopword = OFF`.execute(db);
    await sql.raw(NGRAM_TABLE).execute(db);
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const t of ["search_index", "search_state", "search_outbox"]) {
    await sql`DROP TABLE IF EXISTS ${sql.table(t)}`.execute(db);
  }
}

const COLUMNS = `
    msg_id BIGINT UNSIGNED NOT NULL PRIMARY KEY,
    conversation_id VARCHAR(64) NOT NULL,
    seq INT UNSIGNED NOT NULL,
    sender_id BIGINT UNSIGNED NOT NULL,
    kind VARCHAR(16) NOT NULL,
    created_at BIGINT NOT NULL,
    -- created_at * 2^22 + msg_id mod 2^22: newest-first order and the cursor in one column.
    sort_key BIGINT UNSIGNED NOT NULL,
    body TEXT NOT NULL,
    -- The conversation as one word ("zq" + letters) in the full-text index, so the engine
    -- narrows a search to the reader's conversations inside the index (see index/scope.ts).
    scope VARCHAR(80) NOT NULL,
    KEY ix_search_sort (sort_key)`;

/** Case, accent and width folding as utf8mb4_unicode_ci; kana voiced marks stay distinct. */
export const MROONGA_NORMALIZER = "NormalizerMySQLUnicodeCIExceptKanaCIKanaWithVoicedSoundMark";

const MROONGA_TABLE = `CREATE TABLE IF NOT EXISTS search_index (${COLUMNS},
    FULLTEXT KEY ft_search_body (body, scope)
      COMMENT 'parser "TokenBigram", normalizer "${MROONGA_NORMALIZER}"'
  ) ENGINE=Mroonga DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`;

// utf8mb4_0900_ai_ci: the ngram tokens fold case and accents as Mroonga's normalizer does.
const NGRAM_TABLE = `CREATE TABLE IF NOT EXISTS search_index (${COLUMNS},
    FULLTEXT KEY ft_search_body (body) WITH PARSER ngram
  ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_0900_ai_ci`;

async function isMariaDb(db: Kysely<unknown>): Promise<boolean> {
  const r = await sql<{ v: string }>`SELECT VERSION() AS v`.execute(db);
  return /mariadb/i.test(r.rows[0].v);
}

/**
 * Loads the Mroonga engine if the server has the plugin file but not the engine (INSTALL SONAME
 * is recorded in mysql.plugin, so it survives restarts). Needs an administrator once; without
 * the rights or the package the error says what to do.
 */
export async function loadMroonga(db: Kysely<unknown>): Promise<void> {
  const loaded = await sql<{ n: number }>`SELECT COUNT(*) AS n FROM information_schema.engines
    WHERE engine = 'Mroonga' AND support IN ('YES', 'DEFAULT')`.execute(db);
  if (Number(loaded.rows[0].n) > 0) return;
  try {
    await sql`INSTALL SONAME 'ha_mroonga'`.execute(db);
  } catch (err) {
    // Another migrate may have loaded it meanwhile.
    if (/already exists|1968|1125/i.test(String((err as Error).message))) return;
    throw new Error(
      "message search needs MariaDB's Mroonga engine: install Debian's mariadb-plugin-mroonga " +
        "and run INSTALL SONAME 'ha_mroonga' as an administrator (or run migrate as one): " +
        (err as Error).message,
    );
  }
}
