/**
 * What of the retrieval reaches the prompt once it is compacted (src/answer/compact-passages.ts):
 * for the first k hits of a question, after each compaction variant, whether a passage in the
 * prompt is relevant (a passage of the gold document whose text as shown to the model overlaps the
 * gold span: for a trimmed passage, only its kept sentences count) and whether a gold answer string
 * is in the text the model sees. Characters shown are counted too, as a proxy for prompt tokens.
 */
import { compactPassages, type CompactionSettings } from '../answer/compact-passages.ts';
import type { SearchHit } from '../ports/vector-store.ts';
import { normaliseAnswer } from './answer-metrics.ts';
import type { SquadQuestion } from './squad-set.ts';

const OFF: CompactionSettings = { mergeOverlaps: false, maxScoreGap: null, trimSentences: false };

/** The variants measured: none, each step alone (with the service's default gap), all together. */
export function compactionVariants(maxScoreGap: number): Record<string, CompactionSettings> {
  return {
    none: OFF,
    merge: { ...OFF, mergeOverlaps: true },
    adaptive: { ...OFF, maxScoreGap },
    trim: { ...OFF, trimSentences: true },
    all: { mergeOverlaps: true, maxScoreGap, trimSentences: true },
  };
}

export interface PromptPassageTally {
  questions: number;
  relevant: number;
  answerShown: number;
  passages: number;
  chars: number;
}

export function emptyTally(): PromptPassageTally {
  return { questions: 0, relevant: 0, answerShown: 0, passages: 0, chars: 0 };
}

/** Adds one answerable question's top-k hits, compacted with `settings`, to `tally`. */
export function tallyPromptPassages(tally: PromptPassageTally, hits: readonly SearchHit[], q: SquadQuestion, settings: CompactionSettings): void {
  const passages = compactPassages(hits, q.question, settings);
  const [gs, ge] = q.span;
  let relevant = false;
  const shown: string[] = [];
  for (const p of passages) {
    const ranges = p.excerpt === undefined ? [[0, p.text.length] as [number, number]] : excerptRanges(p.text, p.excerpt);
    if (p.documentName === q.doc && ranges.some(([s, e]) => p.start + s < ge && p.start + e > gs)) relevant = true;
    shown.push(p.excerpt ?? p.text);
  }
  const text = ` ${normaliseAnswer(shown.join(' '))} `;
  tally.questions++;
  if (relevant) tally.relevant++;
  if (q.answers.some((a) => normaliseAnswer(a) !== '' && text.includes(` ${normaliseAnswer(a)} `))) tally.answerShown++;
  tally.passages += passages.length;
  tally.chars += shown.reduce((n, s) => n + s.length, 0);
}

/** Where the pieces of an excerpt (joined by " … ") lie in the passage text, in order. */
export function excerptRanges(text: string, excerpt: string): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  let from = 0;
  for (const piece of excerpt.split(' … ')) {
    const at = text.indexOf(piece, from);
    if (at < 0) continue;
    out.push([at, at + piece.length]);
    from = at + piece.length;
  }
  return out;
}
