/**
 * A deterministic chat history for the search benchmark: users, direct chats and groups, and
 * messages in mixed Latin (with accents), Chinese, Japanese and Korean, words drawn with Zipf
 * frequencies so a query can pick a common, a middling or a rare word by rank.
 */

/** mulberry32: a small seeded PRNG, so every run generates the same data. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SYLLABLES =
  ("ka lo mi ra te su no vi da pe zo ri ba fe gu ne sa to lu mé ré ça ño ü ber tin gar mon")
    .split(" ");
const HANZI =
  "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处理府研质"
    .split("");
const KANA =
  "あいうえおかきくけこさしすせそたちつてとなにぬねのはひふへほまみむめもやゆよらりるれろわをんアイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモラリルレロ"
    .split("");

export interface Vocab {
  words: string[];
  /** Cumulative Zipf weights (s = 1) over `words`. */
  cdf: Float64Array;
  /** Joined without spaces (Chinese, Japanese) or with (Latin, Korean). */
  joiner: string;
}

function zipf(words: string[], joiner: string): Vocab {
  const cdf = new Float64Array(words.length);
  let sum = 0;
  for (let i = 0; i < words.length; i++) cdf[i] = sum += 1 / (i + 1);
  for (let i = 0; i < words.length; i++) cdf[i] /= sum;
  return { words, cdf, joiner };
}

function unique(make: () => string, n: number): string[] {
  const out = new Set<string>();
  while (out.size < n) out.add(make());
  return [...out];
}

export function vocabularies(seed = 1): Record<"latin" | "zh" | "ja" | "ko", Vocab> {
  const r = rng(seed);
  const pick = <T>(xs: T[]) => xs[Math.floor(r() * xs.length)];
  const latin = unique(() => {
    const n = 1 + Math.floor(r() * 3);
    return Array.from({ length: n }, () => pick(SYLLABLES)).join("");
  }, 4000);
  const zh = unique(() => pick(HANZI) + pick(HANZI), 3000);
  const ja = unique(
    () => Array.from({ length: 2 + Math.floor(r() * 3) }, () => pick(KANA)).join(""),
    1500,
  );
  const ko = unique(
    () =>
      Array.from(
        { length: 2 + Math.floor(r() * 2) },
        () => String.fromCodePoint(0xac00 + Math.floor(r() * 11172)),
      ).join(""),
    1500,
  );
  return { latin: zipf(latin, " "), zh: zipf(zh, ""), ja: zipf(ja, ""), ko: zipf(ko, " ") };
}

export function drawWord(v: Vocab, r: () => number): string {
  const x = r();
  let lo = 0, hi = v.cdf.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (v.cdf[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return v.words[lo];
}

/** One message body: 3 to 15 words of one language (55 % Latin, 25 % zh, 12 % ja, 8 % ko). */
export function drawBody(vs: ReturnType<typeof vocabularies>, r: () => number): string {
  const x = r();
  const v = x < 0.55 ? vs.latin : x < 0.8 ? vs.zh : x < 0.92 ? vs.ja : vs.ko;
  const n = 3 + Math.floor(r() * 13);
  const words = Array.from({ length: n }, () => drawWord(v, r));
  let body = words.join(v.joiner);
  if (v === vs.latin && r() < 0.3) body = body[0].toUpperCase() + body.slice(1) + ".";
  return body;
}

/** A message kind: mostly text; media and files (found by filters) now and then. */
export function drawKind(r: () => number): string {
  const x = r();
  return x < 0.9 ? "text" : x < 0.96 ? "image" : "file";
}
