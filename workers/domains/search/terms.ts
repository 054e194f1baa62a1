/**
 * What a user typed, as words to find. Every character is text: full-text operators
 * (`+ - * ( ) < > ~ @`), SQL metacharacters (`% _ '`) and words like OR stay inside the phrase
 * each word becomes, so they never reach an engine as syntax. Quotes and backslashes separate
 * words (no engine can take them inside a phrase the same way); a word with nothing an index
 * keeps (only marks, format or control characters) is dropped, since an engine would read it
 * as the empty phrase, which matches everything.
 */

/** A word an index can hold: a letter, number, symbol or punctuation. */
const INDEXABLE = /[\p{L}\p{N}\p{S}\p{P}]/u;
const SEPARATORS = /[\s"\\]+/u;

export function parseTerms(query: string): string[] {
  const seen = new Set<string>();
  for (const raw of query.normalize("NFC").split(SEPARATORS)) {
    if (raw && INDEXABLE.test(raw)) seen.add(raw);
  }
  return [...seen];
}

/**
 * The boolean-mode query of MariaDB's Mroonga and MySQL's InnoDB alike: every word required,
 * each a phrase (so a CJK word matches as a run of characters inside a sentence). Words hold no
 * `"` or `\` (see parseTerms), so the phrase needs no escaping; the text is bound as a
 * parameter, never spliced into SQL.
 */
export function booleanQuery(terms: string[]): string {
  return terms.map((t) => `+"${t}"`).join(" ");
}
