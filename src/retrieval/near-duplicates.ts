/**
 * Near-duplicate passages (the same paragraph in two documents, a file uploaded under two names)
 * should not fill the top k with one text. Two passages are near-duplicates when most of the
 * shorter one's word 3-shingles are also the longer one's: |A ∩ B| / min(|A|, |B|) >= DUPLICATE_OVERLAP.
 * Going down a ranked list, a passage is kept unless it is a near-duplicate of one already kept,
 * so the best-ranked copy stays. Neighbouring chunks of one document share only their overlap
 * (CHUNK_OVERLAP, 15% of a chunk by default), far below the threshold.
 */
import type { SearchHit } from '../ports/vector-store.ts';

export const DUPLICATE_OVERLAP = 0.8;
/** Passages of fewer words than this are compared as a whole (a 3-shingle needs three words). */
const SHINGLE = 3;

export function shingles(text: string): Set<string> {
  const words = text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
  const out = new Set<string>();
  if (words.length < SHINGLE) {
    if (words.length > 0) out.add(words.join(' '));
    return out;
  }
  for (let i = 0; i + SHINGLE <= words.length; i++) out.add(`${words[i]} ${words[i + 1]} ${words[i + 2]}`);
  return out;
}

export function overlapCoefficient(a: ReadonlySet<string>, b: ReadonlySet<string>): number {
  if (a.size === 0 || b.size === 0) return 0;
  const [small, large] = a.size <= b.size ? [a, b] : [b, a];
  let common = 0;
  for (const s of small) if (large.has(s)) common++;
  return common / small.size;
}

/** The first `k` hits of a ranked list with later near-duplicates of kept hits left out. */
export function dropNearDuplicates<T extends Pick<SearchHit, 'text'>>(ranked: readonly T[], k: number): T[] {
  const kept: T[] = [];
  const keptShingles: Set<string>[] = [];
  for (const hit of ranked) {
    if (kept.length >= k) break;
    const sh = shingles(hit.text);
    if (keptShingles.some((other) => overlapCoefficient(sh, other) >= DUPLICATE_OVERLAP)) continue;
    kept.push(hit);
    keptShingles.push(sh);
  }
  return kept;
}
