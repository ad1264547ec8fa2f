/**
 * Does a passage support the answer sentence that cites it? The measures and the rule, without
 * models (citation-check.ts brings the embeddings):
 *
 * - lexical overlap: the weighted share of the sentence's content words that the passage sentence
 *   also has. Words are lower-cased and lightly stemmed ("located" = "locate" = "locates"), stop
 *   words dropped; a number weighs NUMBER_WEIGHT, a name (a capitalised word not opening the
 *   sentence) NAME_WEIGHT, any other word 1, so "founded in 911" against "founded in 1066" is a
 *   poor match although most words agree.
 * - semantic similarity: cosine of the two sentences' embeddings.
 *
 * Rule: the passage sentence scoring highest on LEXICAL_WEIGHT * overlap + (1 - LEXICAL_WEIGHT) *
 * cosine is the best supporting sentence; the citation is supported when that score reaches
 * SUPPORT_THRESHOLD, or when the sentence is terse (at most SHORT_TERMS content terms, "France
 * [1].") and one passage sentence holds all of its terms (its embedding says little). The weight,
 * threshold and terse clause were chosen by measurement on squad-dev (bench/calibrate-citations.ts,
 * figures in docs/api.md, "Citations"), not guessed.
 */

/** Weight of the lexical overlap in the combined score (the cosine has 1 - this). */
export const LEXICAL_WEIGHT = 0.2;
/** Combined score at or above which a cited passage supports the sentence. */
export const SUPPORT_THRESHOLD = 0.7;
/** Content terms a terse sentence has at most; supported when one passage sentence holds them all. */
export const SHORT_TERMS = 3;
export const NUMBER_WEIGHT = 3;
export const NAME_WEIGHT = 2;

const STOP = new Set(
  (
    'a about above after again against all am an and any are as at be because been before being below between both but by can could did do does doing down during each ' +
    'few for from further had has have having he her here hers herself him himself his how i if in into is it its itself just me more most my myself no nor not now of ' +
    'off on once only or other our ours ourselves out over own same she should so some such than that the their theirs them themselves then there these they this those ' +
    'through to too under until up very was we were what when where which while who whom why will with would you your yours yourself yourselves also according source ' +
    'sources passage passages document documents answer may might must shall us let one'
  ).split(' '),
);

/** A light English stemmer: enough that inflections of one word meet, not a linguistic one. */
export function stem(word: string): string {
  let w = word;
  if (w.length <= 3) return w;
  if (w.endsWith('ies') && w.length > 4) w = `${w.slice(0, -3)}y`;
  else if (w.endsWith('sses')) w = w.slice(0, -2);
  else if (w.endsWith('s') && !w.endsWith('ss') && !w.endsWith('us') && !w.endsWith('is')) w = w.slice(0, -1);
  for (const suffix of ['ational', 'ization', 'ations', 'ation', 'ments', 'ment', 'ness', 'ingly', 'edly', 'ing', 'ed', 'ly', 'er', 'e']) {
    if (w.endsWith(suffix) && w.length - suffix.length >= 3) {
      w = w.slice(0, -suffix.length);
      break;
    }
  }
  // "stopped" -> "stopp" -> "stop": a doubled final consonant left by a suffix.
  if (/([^aeiouslz])\1$/.test(w)) w = w.slice(0, -1);
  return w;
}

/** Content terms of a text with their weights (the highest weight a term takes in it). */
export function contentTerms(text: string): Map<string, number> {
  const terms = new Map<string, number>();
  let first = true;
  for (const m of text.matchAll(/\p{N}+(?:[.,:]\p{N}+)*|[\p{L}\p{M}][\p{L}\p{M}'’-]*/gu)) {
    const raw = m[0];
    const opensSentence = first || /[.!?]\s*$/.test(text.slice(Math.max(0, m.index - 3), m.index));
    first = false;
    const lower = raw.toLowerCase().replace(/['’]s$/, '');
    if (STOP.has(lower)) continue;
    const isNumber = /^\p{N}/u.test(raw);
    if (!isNumber && lower.length < 2) continue;
    const weight = isNumber ? NUMBER_WEIGHT : /^\p{Lu}/u.test(raw) && !opensSentence ? NAME_WEIGHT : 1;
    const term = isNumber ? raw.replace(/,/g, '') : stem(lower);
    terms.set(term, Math.max(weight, terms.get(term) ?? 0));
  }
  return terms;
}

/** Weighted share of the sentence's terms the passage text holds; 0 for a sentence with none. */
export function lexicalOverlap(sentence: Map<string, number>, passage: Map<string, number>): number {
  let total = 0;
  let found = 0;
  for (const [term, weight] of sentence) {
    total += weight;
    if (passage.has(term)) found += weight;
  }
  return total === 0 ? 0 : found / total;
}

/** The sentences of a passage with their character ranges in it (the highlight of the passage view). */
export function passageSentences(text: string): Array<{ text: string; start: number; end: number }> {
  const out: Array<{ text: string; start: number; end: number }> = [];
  const push = (from: number, to: number): void => {
    const piece = text.slice(from, to);
    const body = piece.trim();
    const lead = piece.length - piece.trimStart().length;
    if (/[\p{L}\p{N}]/u.test(body)) out.push({ text: body, start: from + lead, end: from + lead + body.length });
  };
  let from = 0;
  for (const m of text.matchAll(/[.!?]+["'”’)]*(?=\s|$)|\n+/g)) {
    push(from, m.index + m[0].length);
    from = m.index + m[0].length;
  }
  push(from, text.length);
  return out;
}

export function combinedScore(lexical: number, cosine: number, lexicalWeight = LEXICAL_WEIGHT): number {
  return lexicalWeight * lexical + (1 - lexicalWeight) * cosine;
}
