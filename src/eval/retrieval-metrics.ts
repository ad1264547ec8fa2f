/**
 * Retrieval measures over ranked hits. A hit is relevant when it is a chunk of the gold document
 * whose character range overlaps the gold span (chunk offsets are per page; a text document is
 * one page, so they are offsets in the file). hit@k: share of questions with a relevant chunk in
 * the first k; MRR@10: mean of 1/rank of the first relevant chunk within 10 (0 when none).
 */
export interface RankedChunk {
  documentName: string;
  start: number;
  end: number;
}

export interface Gold {
  doc: string;
  span: readonly [number, number];
}

/** 1-based rank of the first relevant hit, or null. */
export function firstRelevantRank(hits: readonly RankedChunk[], gold: Gold): number | null {
  const [s, e] = gold.span;
  const i = hits.findIndex((h) => h.documentName === gold.doc && h.start < e && h.end > s);
  return i < 0 ? null : i + 1;
}

export interface RetrievalScores {
  questions: number;
  hitAt1: number;
  hitAt5: number;
  mrrAt10: number;
}

export function scoreRanks(ranks: readonly (number | null)[]): RetrievalScores {
  const n = ranks.length;
  const share = (k: number) => (n === 0 ? 0 : ranks.filter((r) => r !== null && r <= k).length / n);
  const mrr = n === 0 ? 0 : ranks.reduce<number>((sum, r) => sum + (r !== null && r <= 10 ? 1 / r : 0), 0) / n;
  return { questions: n, hitAt1: share(1), hitAt5: share(5), mrrAt10: mrr };
}
