/**
 * Adaptive k: of the k retrieved passages, keeps those whose similarity is within `maxGap` of the
 * best one's (cosine similarity, so the gap is in the embedder's own units). A question with one
 * clearly matching passage then sends that one, not three weaker ones that only dilute the prompt
 * of a small model; a question whose passages score alike keeps all k. The best hit is always kept.
 *
 * Why a gap to the best and not a fixed floor: absolute similarities drift with the embedder, the
 * documents and the length of the question, while the distance from the best hit is what says
 * "much less related than what we found". Hits arrive best first.
 */
import type { SearchHit } from '../ports/vector-store.ts';

export function dropFarBelowBest(hits: readonly SearchHit[], maxGap: number): SearchHit[] {
  if (hits.length === 0) return [];
  const best = Math.max(...hits.map((h) => h.score));
  const kept = hits.filter((h) => best - h.score <= maxGap);
  return kept.length > 0 ? kept : [hits[0]!];
}
