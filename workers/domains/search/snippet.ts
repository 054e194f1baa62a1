/**
 * The excerpt of a hit and where its words are: computed here, not by the engine, so every
 * index adapter (Mroonga, ngram, a dedicated engine) shows the same thing, and the text comes
 * from the stored message (never from the index, which may lag an edit). Matching folds case,
 * accents and width as the index's normalizer does; a Latin word matches as a whole word (the
 * bigram tokenizer keeps runs of letters and digits as one token), CJK anywhere in a sentence.
 */

export interface Snippet {
  snippet: string;
  marks: Array<[number, number]>;
}

const WORDLIKE = /[\p{Script=Latin}\p{N}]/u;
const ELLIPSIS = "…";

/** One folded code point: compatibility-decomposed, marks dropped, lower case. */
function foldOne(cp: string): string {
  return cp.normalize("NFKD").replace(/\p{M}/gu, "").toLowerCase();
}

/** The folded text and, for each of its UTF-16 units, the source code point's [start, end). */
function fold(text: string): { folded: string; from: number[]; to: number[] } {
  let folded = "";
  const from: number[] = [];
  const to: number[] = [];
  let i = 0;
  for (const cp of text) {
    const f = foldOne(cp);
    for (let k = 0; k < f.length; k++) {
      from.push(i);
      to.push(i + cp.length);
    }
    folded += f;
    i += cp.length;
  }
  return { folded, from, to };
}

/** [start, end) ranges of `text` where any of `terms` occurs, merged and ascending. */
export function findMarks(text: string, terms: string[]): Array<[number, number]> {
  const { folded, from, to } = fold(text);
  const ranges: Array<[number, number]> = [];
  for (const term of terms) {
    const t = [...term].map(foldOne).join("");
    if (!t) continue;
    const wordStart = WORDLIKE.test(t[0]);
    const wordEnd = WORDLIKE.test(t[t.length - 1]);
    for (let at = folded.indexOf(t); at >= 0; at = folded.indexOf(t, at + 1)) {
      const end = at + t.length;
      if (wordStart && at > 0 && WORDLIKE.test(folded[at - 1])) continue;
      if (wordEnd && end < folded.length && WORDLIKE.test(folded[end])) continue;
      ranges.push([from[at], to[end - 1]]);
    }
  }
  ranges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const merged: Array<[number, number]> = [];
  for (const r of ranges) {
    const last = merged[merged.length - 1];
    if (last && r[0] <= last[1]) last[1] = Math.max(last[1], r[1]);
    else merged.push([...r]);
  }
  return merged;
}

/**
 * At most `max` code points of `text` around its first match (with an ellipsis where cut),
 * and the marks that fall inside, relative to the excerpt.
 */
export function snippetOf(text: string, terms: string[], max = 120, lead = 30): Snippet {
  const all = findMarks(text, terms);
  const cps = [...text];
  if (cps.length <= max) return { snippet: text, marks: all };
  // Work in code points so a cut never splits a surrogate pair; offsets[i]: units before cp i.
  const offsets = [0];
  for (const cp of cps) offsets.push(offsets[offsets.length - 1] + cp.length);
  const firstUnit = all[0]?.[0] ?? 0;
  let firstCp = 0;
  while (firstCp < cps.length && offsets[firstCp + 1] <= firstUnit) firstCp++;
  const startCp = Math.max(0, Math.min(firstCp - lead, cps.length - max));
  const endCp = Math.min(cps.length, startCp + max);
  const startUnit = offsets[startCp];
  const endUnit = offsets[endCp];
  const head = startCp > 0 ? ELLIPSIS : "";
  const body = cps.slice(startCp, endCp).join("");
  const marks = all
    .filter(([s, e]) => e > startUnit && s < endUnit)
    .map(([s, e]): [number, number] => [
      Math.max(s, startUnit) - startUnit + head.length,
      Math.min(e, endUnit) - startUnit + head.length,
    ]);
  return { snippet: head + body + (endCp < cps.length ? ELLIPSIS : ""), marks };
}
