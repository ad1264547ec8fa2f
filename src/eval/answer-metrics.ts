/**
 * Scoring of generated answers on squad-dev: an answerable question is matched when one of its
 * gold answers, normalised as the SQuAD script does (lower case, no punctuation, no articles,
 * single spaces), occurs in the normalised answer; an answer is a refusal when it says the sources
 * do not hold the answer (the prompt's NOT_FOUND_ANSWER or the usual ways small models put it).
 */
import { NOT_FOUND_ANSWER } from '../answer/prompt.ts';
import type { SquadQuestion } from './squad-set.ts';

export function normaliseAnswer(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s]/gu, ' ')
    .replace(/\b(a|an|the)\b/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

const REFUSALS = [
  normaliseAnswer(NOT_FOUND_ANSWER),
  'could not find',
  'couldn t find',
  'cannot find',
  'can t find',
  'not found in',
  'no information',
  'not mentioned',
  'does not mention',
  'do not contain',
  'does not contain',
  'don t contain',
  'doesn t contain',
  'not provided',
  'no answer',
  'not able to find',
  'unable to find',
];

export function isRefusal(answer: string): boolean {
  const a = normaliseAnswer(answer);
  return REFUSALS.some((r) => a.includes(r));
}

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
