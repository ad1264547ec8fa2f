/**
 * Adaptive k: of the k retrieved passages, keeps those whose similarity is within `maxGap` of the
 * best one's (cosine similarity, so the gap is in the embedder's own units). A question with one
 * clearly matching passage then sends that one, not three weaker ones that only dilute the prompt
 * of a small model; a question whose passages score alike keeps all k. The best hit is always kept.
 *
 * Why a gap to the best and not a fixed floor: absolute similarities drift with the embedder, the
 * documents and the length of the question, while the distance from the best hit is what says
 * "much less related than what we found". Hits arrive best first.
 *
 * The gap is always measured on the cosine similarity (`similarity`, set by the dense and hybrid
 * search modes), never on a fused or BM25 score: hybrid ranks by a fused score, but "how much less
 * related" is still a question for the embedder. In lexical mode (SEARCH_MODE=lexical) hits have
 * no similarity, and BM25 scores have no fixed scale to take a gap on: adaptive k keeps all k.
 *
 * In hybrid mode a passage is dropped only when both signals say it is much less related: its
 * cosine is more than the gap below the best, and the lexical search did not find it at least half
 * as relevant (BM25) as the most relevant hit it found. A passage the embedder undervalues but that
 * holds the question's rare words (a name, a code, a number) is what hybrid search brought in; the
 * cosine gap alone would throw it away again. Half is the same "half the best" rule as sentence
 * trimming, not a value fitted to an evaluation set.
 */
import type { SearchHit } from '../ports/vector-store.ts';

/** A hit at least this share of the best BM25 relevance among the hits is kept whatever its cosine. */
export const LEXICAL_KEEP_SHARE = 0.5;

export function dropFarBelowBest(hits: readonly SearchHit[], maxGap: number): SearchHit[] {
  if (hits.length === 0) return [];
  // A hit from before search modes carries only `score`, which was the cosine then.
  const sim = (h: SearchHit) => h.similarity ?? (h.lexicalScore === undefined ? h.score : undefined);
  if (hits.some((h) => sim(h) === undefined)) return [...hits];
  const best = Math.max(...hits.map((h) => sim(h)!));
  const bestLexical = Math.max(0, ...hits.map((h) => h.lexicalScore ?? 0));
  const lexicallyStrong = (h: SearchHit) => h.lexicalScore !== undefined && bestLexical > 0 && h.lexicalScore >= bestLexical * LEXICAL_KEEP_SHARE;
  // The first hit (best by the search's own ranking) always stays.
  return hits.filter((h, i) => i === 0 || best - sim(h)! <= maxGap || lexicallyStrong(h));
}
