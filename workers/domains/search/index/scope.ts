/**
 * The two columns that make a search fast on Mroonga. `scope`: a conversation id as one word of
 * lower-case letters ("d:12:345" → "zqdxbcxdef"), indexed with the text, so a search ANDs the
 * reader's conversations into the full-text query and the engine intersects posting lists
 * instead of MariaDB filtering every match row by row. `sort_key`: created_at * 2^22 + the
 * msgId's low 22 bits, newest-first order and the page cursor as one comparison, which lets
 * Mroonga sort and limit inside the engine. A word someone types that happens to equal a scope
 * word still needs one of the reader's own scopes as well: it can never widen what they see.
 */
const LETTERS = "abcdefghij";
const SHIFT = 4194304n; // 2^22

export function scopeWord(conversationId: string): string {
  let out = "zq";
  for (const c of conversationId) {
    out += c === ":" ? "x" : c >= "0" && c <= "9" ? LETTERS[c.charCodeAt(0) - 48] : c;
  }
  return out;
}

export function sortKey(createdAt: number, msgId: string): bigint {
  return BigInt(createdAt) * SHIFT + BigInt(msgId) % SHIFT;
}

/** The smallest sort key at or after this time (for since / until bounds). */
export function sortKeyAt(time: number): bigint {
  return BigInt(time) * SHIFT;
}
