/**
 * The keyword-style evaluation questions: what a person types into a search box (a name, a number,
 * a date and a couple of rare words) rather than a full question. Built from the squad-dev
 * answerable questions by one fixed rule, so the same rule applies unchanged to any other set:
 *
 * 1. The answer: the question's first gold answer of at most MAX_ANSWER_WORDS words (names, numbers,
 *    dates, short terms); a question with only longer answers is left out.
 * 2. The gold sentence: the sentence of the gold paragraph that holds that answer.
 * 3. Two rare words: the question's content words (not stop words, at least 3 characters, not part
 *    of the answer), preferring those that also occur in the gold sentence, each group ordered by
 *    how few paragraphs of the whole set contain the word (rarest first; ties by position in the
 *    question). The first MAX_RARE_WORDS are kept; a question without any is left out.
 * 4. The query: the rare words, then the answer ("eiffel tower 1889"), lowercased. Relevant
 *    passages are those of the original question (the gold document and paragraph span).
 */
import { STOP_WORDS } from '../retrieval/stop-words.ts';
import type { SquadQuestion } from './squad-set.ts';

export const MAX_ANSWER_WORDS = 4;
export const MAX_RARE_WORDS = 2;

const words = (s: string): string[] => s.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];

/** Paragraphs (blank-line separated) of every document, for the document frequency of words. */
export function paragraphFrequency(docTexts: Iterable<string>): Map<string, number> {
  const df = new Map<string, number>();
  for (const text of docTexts) {
    for (const para of text.split(/\n\s*\n/)) for (const w of new Set(words(para))) df.set(w, (df.get(w) ?? 0) + 1);
  }
  return df;
}

function sentenceWith(paragraph: string, answer: string): string {
  const sentences = paragraph.split(/(?<=[.!?])\s+/);
  return sentences.find((s) => s.includes(answer)) ?? paragraph;
}

/** The keyword question for `q`, or null when the rule leaves it out. */
export function keywordQuestion(q: SquadQuestion, docText: string, df: ReadonlyMap<string, number>): SquadQuestion | null {
  const answer = q.answers.find((a) => words(a).length > 0 && words(a).length <= MAX_ANSWER_WORDS);
  if (answer === undefined) return null;
  const sentence = new Set(words(sentenceWith(docText.slice(q.span[0], q.span[1]), answer)));
  const inAnswer = new Set(words(answer));
  const candidates = [...new Set(words(q.question))].filter((w) => w.length >= 3 && !STOP_WORDS.has(w) && !inAnswer.has(w));
  const rank = (w: string) => [sentence.has(w) ? 0 : 1, df.get(w) ?? 0] as const;
  const rare = candidates
    .map((w, i) => ({ w, i, r: rank(w) }))
    .sort((a, b) => a.r[0] - b.r[0] || a.r[1] - b.r[1] || a.i - b.i)
    .slice(0, MAX_RARE_WORDS)
    .map((x) => x.w);
  if (rare.length === 0) return null;
  return { ...q, id: `${q.id}:kw`, question: [...rare, answer.toLowerCase()].join(' ') };
}

export function keywordQuestions(questions: readonly SquadQuestion[], docTexts: ReadonlyMap<string, string>): SquadQuestion[] {
  const df = paragraphFrequency(docTexts.values());
  const out: SquadQuestion[] = [];
  for (const q of questions) {
    const text = docTexts.get(q.doc);
    if (q.impossible || text === undefined) continue;
    const kw = keywordQuestion(q, text, df);
    if (kw) out.push(kw);
  }
  return out;
}
