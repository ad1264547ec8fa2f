/**
 * Extractive compression: trims a passage to the sentences that bear on the question, so the
 * prompt carries the few sentences an answer comes from instead of whole chunks.
 *
 * The method, chosen to need no model and no tuning to one collection:
 * - the question's content words (stop words and question words removed), reduced to a crude stem
 *   so "conquered" meets "conquest" and "castles" meets "castle";
 * - each sentence scores the question stems it holds, each weighted by its rarity among the
 *   passage's sentences (ln((n + 1) / (df + 0.5)), an IDF over n sentences), so the topic word
 *   that every sentence repeats counts for little and the sentence's distinctive words decide;
 * - kept: every sentence scoring at least half the passage's best, and one
 *   sentence either side of each best-scoring one (the answer often sits in the sentence after the
 *   one that repeats the question's words, or a pronoun needs the one before);
 * - a passage sharing no word with the question keeps its first sentence only (the embedder found
 *   it related, the first sentence says what it is about);
 * - a passage whose best sentence holds less than half as many question words as the best
 *   sentence of any passage of the answer keeps that one sentence only (`brief`, decided by
 *   compact-passages.ts, which sees all passages);
 * - a passage whose kept sentences would not save much (under a fifth of it) is kept whole.
 * Kept pieces are contiguous ranges of the passage text, in order; the prompt shows them joined by
 * " … " where sentences were left out.
 */

export interface TrimmedPassage {
  /** [start, end) ranges of the passage text that are kept, in order, not overlapping. */
  ranges: Array<[number, number]>;
  /** The kept ranges' text joined with " … " at each gap. */
  text: string;
}

const STOP_WORDS = new Set(
  (
    'a about above after again against all also am an and any are as at be because been before being below between both but by can ' +
    'could did do does doing down during each few for from further had has have having he her here hers herself him himself his how ' +
    'i if in into is it its itself just me more most my myself no nor not now of off on once only or other our ours ourselves out over ' +
    'own same she should so some such than that the their theirs them themselves then there these they this those through to too ' +
    'under until up very was we were what when where which while who whom whose why will with would you your yours yourself ' +
    'name named kind type called many much one ones use used'
  ).split(' '),
);

/** Crude stem: lower case, common English suffixes off, at most 6 characters. */
export function stem(word: string): string {
  let w = word.toLowerCase();
  for (const suffix of ['ies', 'ing', 'ed', 'es', 'ly', 's']) {
    if (w.length > suffix.length + 3 && w.endsWith(suffix)) {
      w = w.slice(0, -suffix.length);
      break;
    }
  }
  return w.slice(0, 6);
}

/** The question's content words, stemmed. */
export function contentStems(question: string): Set<string> {
  const words = question.match(/[\p{L}\p{N}]+/gu) ?? [];
  return new Set(words.filter((w) => !STOP_WORDS.has(w.toLowerCase()) && (w.length > 1 || /\d/.test(w))).map(stem));
}

/** Sentence ranges of `text`: ends at . ! ? (with closing quotes/brackets) before a space, or at a line break. */
export function sentenceRanges(text: string): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  const boundary = /[.!?]["'”’)\]]*(?=\s)|\n/g;
  let from = 0;
  for (let m = boundary.exec(text); m !== null; m = boundary.exec(text)) {
    push(out, text, from, m.index + m[0].length);
    from = m.index + m[0].length;
  }
  push(out, text, from, text.length);
  return out;
}

function push(out: Array<[number, number]>, text: string, from: number, to: number): void {
  let s = from;
  let e = to;
  while (s < e && /\s/.test(text[s]!)) s++;
  while (e > s && /\s/.test(text[e - 1]!)) e--;
  if (e > s) out.push([s, e]);
}

/** Share of the passage that must be left out for trimming to be worth the " … " seams. */
const MIN_SAVING = 0.2;

/** The most distinct question words one sentence of `text` holds (how well the passage matches at best). */
export function bestSentenceMatch(text: string, question: string): number {
  const stems = contentStems(question);
  return Math.max(0, ...sentenceRanges(text).map(([s, e]) => new Set((text.slice(s, e).match(/[\p{L}\p{N}]+/gu) ?? []).map(stem).filter((w) => stems.has(w))).size));
}

/**
 * `brief`: only the single best sentence is kept (no neighbours, no runners-up), for a passage that
 * matches the question much less well than another one of the same answer.
 */
export function trimToQuestion(text: string, question: string, brief = false): TrimmedPassage {
  const sentences = sentenceRanges(text);
  const whole: TrimmedPassage = { ranges: sentences.length > 0 ? [[sentences[0]![0], sentences.at(-1)![1]]] : [], text: text.trim() };
  if (sentences.length <= 1) return whole;
  const stems = contentStems(question);
  const found = sentences.map(([s, e]) => new Set((text.slice(s, e).match(/[\p{L}\p{N}]+/gu) ?? []).map(stem)));
  // A question word in every sentence (the topic: "Normans" in an article on them) tells little
  // about which sentence answers: each word weighs by how few of the passage's sentences hold it.
  const weight = new Map<string, number>();
  for (const q of stems) {
    const df = found.filter((f) => f.has(q)).length;
    if (df > 0) weight.set(q, Math.log((sentences.length + 1) / (df + 0.5)));
  }
  const scores = found.map((f) => [...weight].reduce((sum, [q, w]) => sum + (f.has(q) ? w : 0), 0));
  const best = Math.max(...scores);
  const keep = new Set<number>();
  if (weight.size === 0) keep.add(0);
  else if (brief) keep.add(scores.indexOf(best));
  else {
    scores.forEach((score, i) => {
      if (score * 2 >= best) keep.add(i);
      if (score === best) {
        if (i > 0) keep.add(i - 1);
        if (i + 1 < sentences.length) keep.add(i + 1);
      }
    });
  }
  // Adjacent kept sentences become one range (with the text between them, e.g. the space).
  const ranges: Array<[number, number]> = [];
  for (const i of [...keep].sort((a, b) => a - b)) {
    const [s, e] = sentences[i]!;
    const last = ranges.at(-1);
    if (last && keep.has(i - 1)) last[1] = e;
    else ranges.push([s, e]);
  }
  const keptChars = ranges.reduce((n, [s, e]) => n + e - s, 0);
  if (keptChars > (1 - MIN_SAVING) * (whole.ranges[0]![1] - whole.ranges[0]![0])) return whole;
  return { ranges, text: ranges.map(([s, e]) => text.slice(s, e)).join(' … ') };
}
