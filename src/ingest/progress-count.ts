/**
 * What a progress report is counting, for the "page i/n" / "chunk j/m" the documents page shows.
 * The pipeline may report `done`/`total` itself; when it does not, the embedding stage's count is
 * recovered from its progress fraction (the pipeline spreads embedding over 0.2..0.9 of the job,
 * one report per batch, so the fraction gives the chunks embedded before the batch starts).
 */
export interface CountedProgress {
  stage: string;
  progress: number;
  pages: number | null;
  chunks: number | null;
  done?: number | null | undefined;
  total?: number | null | undefined;
}

const EMBED_FROM = 0.2;
const EMBED_SPAN = 0.7;

export function progressCount(p: CountedProgress): { done: number | null; total: number | null } {
  if (typeof p.done === 'number' && typeof p.total === 'number') return { done: p.done, total: p.total };
  if (p.stage === 'embedding' && p.chunks !== null && p.chunks > 0) {
    const done = Math.round(((p.progress - EMBED_FROM) / EMBED_SPAN) * p.chunks);
    return { done: Math.min(p.chunks, Math.max(0, done)), total: p.chunks };
  }
  return { done: null, total: null };
}
