/**
 * Which FAISS index the store builds (config INDEX_TYPE):
 * - `flat`: exact search (IndexFlatIP), the default; fine up to some hundred thousand chunks.
 * - `hnsw`: approximate search on an HNSW graph (`HNSW32` through Index.fromFactory), for large
 *   collections: sub-linear search at the price of a slower add and a recall below 1.
 *
 * IVF is not offered: faiss-node cannot set `nprobe`, and with the fixed nprobe of 1 an IVF index
 * misses too many neighbours to be useful. HNSW's search depth cannot be set either, but FAISS
 * searches max(efSearch, k) candidates, so asking for more neighbours than needed deepens the
 * search; the store asks for {@link searchDepth} and keeps the best k.
 */
export const INDEX_TYPES = ['flat', 'hnsw'] as const;
export type IndexType = (typeof INDEX_TYPES)[number];

/** The Index.fromFactory descriptor of an approximate type. 32 links per node: FAISS's usual choice. */
export const HNSW_DESCRIPTOR = 'HNSW32';

/** Candidates an HNSW search explores at least (FAISS's default efSearch is 16: too few for recall@10). */
export const HNSW_MIN_SEARCH_DEPTH = 64;

/** How many neighbours to ask FAISS for, to return the best `k` of `size` rows. */
export function searchDepth(type: IndexType, k: number, size: number): number {
  if (type === 'flat') return Math.min(k, size);
  return Math.min(Math.max(k, HNSW_MIN_SEARCH_DEPTH), size);
}

/** The type a stored version was built with; versions from before the field existed are flat. */
export function storedIndexType(value: unknown): IndexType {
  return value === 'hnsw' ? 'hnsw' : 'flat';
}
