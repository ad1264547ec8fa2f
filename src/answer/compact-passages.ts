/**
 * The passage compaction the answer worker applies between retrieval and the prompt, each step
 * switchable (config `prompt`, docs/benchmarks.md "Prompt length"), in this order:
 * 1. adaptive k (adaptive-k.ts): passages far below the best one are dropped;
 * 2. merging (passage-merge.ts): overlapping chunks of one document become one passage;
 * 3. sentence trimming (sentence-trim.ts): each passage's `excerpt` is set to the sentences that
 *    bear on the question (a passage matching much less well than the best-matching one: its best
 *    sentence only); the prompt shows the excerpt, while the source shown to the user and
 *    opened by its link stays the whole passage (text and offsets unchanged).
 * Applied as a wrapper around the worker's retriever, so the answer handler is unchanged and the
 * search page still lists raw chunks. Trimming uses what was searched for, which is the follow-up
 * made self-contained (condense.ts) when there was a conversation.
 */
import type { SearchHit } from '../ports/vector-store.ts';
import { dropFarBelowBest } from './adaptive-k.ts';
import { mergeOverlappingHits } from './passage-merge.ts';
import { bestSentenceMatch, trimToQuestion } from './sentence-trim.ts';

export interface CompactionSettings {
  mergeOverlaps: boolean;
  /** Highest similarity gap to the best hit a passage may have; null keeps all k. */
  maxScoreGap: number | null;
  trimSentences: boolean;
}

export function compactPassages(hits: readonly SearchHit[], question: string, settings: CompactionSettings): SearchHit[] {
  let out = [...hits];
  if (settings.maxScoreGap !== null) out = dropFarBelowBest(out, settings.maxScoreGap);
  if (settings.mergeOverlaps) out = mergeOverlappingHits(out);
  if (settings.trimSentences) {
    // A passage matching much less well than the best-matching one gives its best sentence only.
    const match = out.map((h) => bestSentenceMatch(h.text, question));
    const top = Math.max(0, ...match);
    out = out.map((h, i) => {
      const trimmed = trimToQuestion(h.text, question, match[i]! * 2 < top);
      return trimmed.text === h.text.trim() ? h : { ...h, excerpt: trimmed.text };
    });
  }
  return out;
}

interface Searcher {
  search(query: string, k: number, collections?: readonly string[]): Promise<SearchHit[]>;
}

/** `retriever` with compactPassages applied to each result. */
export function compactingRetriever(retriever: Searcher, settings: CompactionSettings): Searcher {
  return {
    async search(query, k, collections) {
      return compactPassages(await retriever.search(query, k, collections), query, settings);
    },
  };
}
