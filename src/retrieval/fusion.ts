/**
 * Fusing the dense (cosine) and lexical (BM25) candidate lists into one ranking. Both methods see
 * the union of the two lists; every candidate carries its exact cosine similarity (the store
 * computes it for lexical-only candidates from its stored vectors), and a BM25 score only when the
 * lexical search found it.
 *
 * - Reciprocal rank fusion (Cormack et al. 2009): sum over the two rankings of 1 / (RRF_K + rank),
 *   RRF_K = 60 as published; rank by cosine among all candidates, by BM25 among those BM25 found.
 *   Shown as a share of the best possible (rank 1 in both = 1.0).
 * - Convex combination: CONVEX_DENSE_WEIGHT x the cosine, min-max normalised over the candidates,
 *   plus the rest x BM25 divided by the best BM25 of the query (0 when not found lexically).
 *
 * The product uses the convex combination (FUSION), chosen by `npm run eval:retrieval`, which
 * reports both (docs/benchmarks.md "Retrieval quality"): on squad-dev hit@1 0.845 against RRF's 0.792, on the
 * keyword questions 0.915 against 0.802. RRF throws away how far apart the scores are: when BM25
 * finds one passage holding the rare words of a question far above the rest, RRF still lets a
 * passage the embedder ranks first and BM25 never found win; the convex combination keeps that
 * margin. The weight is the textbook half-and-half, not tuned on the evaluation sets.
 * Pure functions: no I/O.
 */
import type { SearchHit } from '../ports/vector-store.ts';

export type FusionMethod = 'rrf' | 'convex';
/** The method search-modes.ts uses (docs/benchmarks.md: measured on both evaluation sets). */
export const FUSION: FusionMethod = 'convex';
export const RRF_K = 60;
export const CONVEX_DENSE_WEIGHT = 0.5;

/** A candidate of either list; `similarity` is required (the cosine), `lexicalScore` set when BM25 found it. */
export type Candidate = SearchHit & { similarity: number };

/** Candidates fused into one list, best first; `score` is the fused score in [0, 1]. */
export function fuse(candidates: readonly Candidate[], method: FusionMethod): SearchHit[] {
  const byCosine = [...candidates].sort((a, b) => b.similarity - a.similarity);
  const lexical = candidates.filter((c) => c.lexicalScore !== undefined).sort((a, b) => b.lexicalScore! - a.lexicalScore!);
  let scored: Array<{ hit: Candidate; score: number }>;
  if (method === 'rrf') {
    const denseRank = new Map(byCosine.map((c, i) => [c, i + 1]));
    const lexRank = new Map(lexical.map((c, i) => [c, i + 1]));
    const best = 2 / (RRF_K + 1);
    scored = candidates.map((c) => {
      const l = lexRank.get(c);
      return { hit: c, score: (1 / (RRF_K + denseRank.get(c)!) + (l === undefined ? 0 : 1 / (RRF_K + l))) / best };
    });
  } else {
    const hi = byCosine[0]?.similarity ?? 0;
    const lo = byCosine.at(-1)?.similarity ?? 0;
    const topLex = lexical[0]?.lexicalScore ?? 0;
    scored = candidates.map((c) => {
      const dense = hi > lo ? (c.similarity - lo) / (hi - lo) : 1;
      const lex = c.lexicalScore !== undefined && topLex > 0 ? c.lexicalScore / topLex : 0;
      return { hit: c, score: CONVEX_DENSE_WEIGHT * dense + (1 - CONVEX_DENSE_WEIGHT) * lex };
    });
  }
  // Ties (equal fused scores) go to the closer passage, so the order never depends on input order.
  scored.sort((a, b) => b.score - a.score || b.hit.similarity - a.hit.similarity);
  return scored.map(({ hit, score }) => ({ ...hit, score }));
}
