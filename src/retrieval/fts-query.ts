/**
 * Turns what a person typed into an SQLite FTS5 MATCH expression that can only ever mean "any of
 * these words". FTS5 has its own query language (AND/OR/NOT, NEAR(...), "phrases", prefix `*`,
 * `-` exclusion, `column:` filters, `^` anchors); user text must never reach it as syntax. So the
 * text is cut into words here (letters, digits and combining marks: the token characters of
 * FTS5's unicode61 tokenizer), lowercased, stop words dropped, duplicates removed, and every word
 * is emitted inside double quotes (a word cannot contain a quote, so none needs escaping): `NEAR(`
 * becomes the word "near", `title:x` the words "title" "x", `-foo*` the word "foo". Words are
 * joined with OR, so a passage matching some of them still ranks (BM25 rewards the rare ones).
 */
import { STOP_WORDS } from './stop-words.ts';

/** More words than this add latency and little ranking signal; the first ones are kept. */
export const MAX_QUERY_TERMS = 32;
/** A single "word" longer than this is not something people search for (a hash, base64). */
const MAX_TERM_LENGTH = 64;

const WORD = /[\p{L}\p{N}\p{M}\p{Co}]+/gu;

/** The distinct search words of `text`, lowercased, stop words and one-letter words dropped. */
export function searchTerms(text: string): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const m of text.normalize('NFC').toLowerCase().matchAll(WORD)) {
    const w = m[0];
    if (w.length > MAX_TERM_LENGTH || seen.has(w) || STOP_WORDS.has(w)) continue;
    // One-letter words ("a", stray initials) match half the collection; single digits still count.
    if (w.length < 2 && !/\p{N}/u.test(w)) continue;
    seen.add(w);
    out.push(w);
    if (out.length === MAX_QUERY_TERMS) break;
  }
  return out;
}

/** The FTS5 MATCH expression for `text`, or null when it holds no search word. */
export function ftsMatchQuery(text: string): string | null {
  const terms = searchTerms(text);
  return terms.length === 0 ? null : terms.map((t) => `"${t}"`).join(' OR ');
}
