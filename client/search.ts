/** Helpers to show search hits: a snippet cut into plain and matched parts by its marks. */
import type { SearchHit } from "@im/protocol";

export interface SnippetPart {
  text: string;
  /** True for a matched word. */
  match: boolean;
}

/** The snippet in order, each part plain or matched (marks out of range are ignored). */
export function snippetParts(hit: Pick<SearchHit, "snippet" | "marks">): SnippetPart[] {
  const parts: SnippetPart[] = [];
  let at = 0;
  for (const [start, end] of hit.marks) {
    if (start < at || end <= start || end > hit.snippet.length) continue;
    if (start > at) parts.push({ text: hit.snippet.slice(at, start), match: false });
    parts.push({ text: hit.snippet.slice(start, end), match: true });
    at = end;
  }
  if (at < hit.snippet.length) parts.push({ text: hit.snippet.slice(at), match: false });
  return parts;
}

/** The snippet with each match between `open` and `close` (a terminal, a log line). */
export function markedSnippet(hit: Pick<SearchHit, "snippet" | "marks">, open = "[", close = "]") {
  return snippetParts(hit).map((p) => p.match ? open + p.text + close : p.text).join("");
}
