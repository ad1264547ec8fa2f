/**
 * Scoring of generated answers on squad-dev: an answerable question is matched when one of its
 * gold answers, normalised as the SQuAD script does (lower case, no punctuation, no articles,
 * single spaces), occurs in the normalised answer; an answer is a refusal when it says the sources
 * do not hold the answer (the prompt's NOT_FOUND_ANSWER or the usual ways small models put it).
 * Citations (scoreCitations): which sources an answer cites is read from its [n] markers
 * (contracts/citations.ts), independently of the worker's own check; a cited passage is correct
 * when it holds a gold answer (same normalisation as the answer match).
 */
import { isRefusal, normaliseAnswer } from '../contracts/refusal.ts';
import { citationMarkers } from '../contracts/citations.ts';
import type { Source } from '../contracts/source.ts';
import type { SquadQuestion } from './squad-set.ts';

// The detector is shared with the answer worker and analytics (contracts/refusal.ts).
export { isRefusal, normaliseAnswer };

export function matchesGold(answer: string, gold: string[]): boolean {
  const a = ` ${normaliseAnswer(answer)} `;
  return gold.some((g) => {
    const n = normaliseAnswer(g);
    return n !== '' && a.includes(` ${n} `);
  });
}

/**
 * The fixed sample: every n-th question of the file in file order, so answerable and impossible
 * ones are mixed as in the file, and the same questions every run.
 */
export function sampleQuestions(all: SquadQuestion[], count: number): SquadQuestion[] {
  const step = Math.max(1, Math.floor(all.length / count));
  return all.filter((_, i) => i % step === 0).slice(0, count);
}

export interface AnswerScores {
  answerable: number;
  impossible: number;
  /** Share of answerable questions whose answer holds a gold answer. */
  answerMatch: number;
  /** Share of impossible questions answered with a refusal. */
  refusalOnImpossible: number;
  /** Share of answerable questions wrongly refused. */
  refusalOnAnswerable: number;
}

export function scoreAnswers(rows: Array<{ q: SquadQuestion; answer: string }>): AnswerScores {
  const ans = rows.filter((r) => !r.q.impossible);
  const imp = rows.filter((r) => r.q.impossible);
  const share = (n: number, d: number) => (d === 0 ? 0 : n / d);
  return {
    answerable: ans.length,
    impossible: imp.length,
    answerMatch: share(ans.filter((r) => matchesGold(r.answer, r.q.answers)).length, ans.length),
    refusalOnImpossible: share(imp.filter((r) => isRefusal(r.answer)).length, imp.length),
    refusalOnAnswerable: share(ans.filter((r) => isRefusal(r.answer)).length, ans.length),
  };
}

export interface CitationScores {
  /** Sources cited, over all answers (the denominator of the two shares of citations below). */
  citedSources: number;
  /** Cited passages (by answers to answerable questions) that hold a gold answer, over all of them; null: none cited. */
  citationPrecision: number | null;
  /** Share of answers to answerable questions that cite at least one source. */
  answersWithCitation: number;
  /** Share of all cited sources the worker's citation check marked unsupported; null: none cited. */
  unsupportedCitations: number | null;
  /** Share of cited sources that carry the check's `supported` (false: the worker did not check). */
  checked: number | null;
}

/** Citation precision, answers citing something, and how many citations the worker's check doubted. */
export function scoreCitations(rows: Array<{ q: SquadQuestion; answer: string; sources: readonly Source[] }>): CitationScores {
  const citedOf = (r: { answer: string; sources: readonly Source[] }): Source[] => {
    const numbers = new Set(citationMarkers(r.answer).flatMap((m) => m.numbers));
    return r.sources.filter((s) => numbers.has(s.n));
  };
  const ans = rows.filter((r) => !r.q.impossible);
  const ansCited = ans.map((r) => ({ r, cited: citedOf(r) }));
  const passages = ansCited.flatMap(({ r, cited }) => cited.map((s) => matchesGold(s.text, r.q.answers)));
  const all = rows.flatMap(citedOf);
  const ratio = (n: number, d: number): number | null => (d === 0 ? null : n / d);
  return {
    citedSources: all.length,
    citationPrecision: ratio(passages.filter(Boolean).length, passages.length),
    answersWithCitation: ans.length === 0 ? 0 : ansCited.filter((x) => x.cited.length > 0).length / ans.length,
    unsupportedCitations: ratio(all.filter((s) => s.supported === false).length, all.length),
    checked: ratio(all.filter((s) => typeof s.supported === 'boolean').length, all.length),
  };
}
