/**
 * The three search modes (config SEARCH_MODE) over one or more vector stores:
 *
 * - `dense`: the question's embedding against the FAISS index; score = cosine similarity.
 * - `lexical`: BM25 over the lexical index kept with it (no embedding computed); score = BM25.
 * - `hybrid` (default): both, fused (fusion.ts); score = the fused score in [0, 1], and every hit
 *   also carries its cosine `similarity` (adaptive k in the answer path works on that) and, when
 *   the lexical search found it, its `lexicalScore`.
 *
 * Each list is taken CANDIDATE_DEPTH deep (more than k: fusion needs what ranks lower in one list,
 * and near-duplicates are dropped before k is cut, near-duplicates.ts). With several stores
 * (collections), each store's own candidates are merged before fusing. In hybrid mode the lexical
 * query runs while the question is being embedded (the embedder runs on its own threads), so it
 * adds little to the latency of the dense search.
 */
import type { SearchHit, VectorStore } from '../ports/vector-store.ts';
import { searchEach } from './collection-stores.ts';
import { FUSION, fuse, type Candidate, type FusionMethod } from './fusion.ts';
import { dropNearDuplicates } from './near-duplicates.ts';

export const SEARCH_MODES = ['hybrid', 'dense', 'lexical'] as const;
export type SearchMode = (typeof SEARCH_MODES)[number];
/** Candidates taken from each list (at least; 2k when k is larger). */
export const CANDIDATE_DEPTH = 50;

export interface ModeOptions {
  mode: SearchMode;
  /** Fusion of hybrid mode (default FUSION); the evaluation compares both. */
  fusion?: FusionMethod;
}

export type NamedStore = { id: string; store: VectorStore };

const keyOf = (h: SearchHit) => `${h.collectionId ?? ''}\u0000${h.chunkId}`;

async function lexicalCandidates(stores: readonly NamedStore[], text: string, depth: number): Promise<SearchHit[]> {
  const found = await Promise.all(
    stores.map(async ({ id, store }) => (store.searchText ? await store.searchText(text, depth) : []).map((h) => ({ ...h, collectionId: id }))),
  );
  return found.flat().sort((a, b) => b.score - a.score).slice(0, depth);
}

/**
 * The k best passages of `stores` for `text` in the chosen mode, near-duplicates left out.
 * `embed` gives the question's embedding (not called in lexical mode).
 */
export async function searchStores(stores: readonly NamedStore[], text: string, embed: () => Promise<number[]>, k: number, opts: ModeOptions): Promise<SearchHit[]> {
  const n = Math.floor(k);
  if (n < 1 || text.trim() === '') return [];
  const depth = Math.max(CANDIDATE_DEPTH, 2 * n);
  if (opts.mode === 'lexical') return dropNearDuplicates(await lexicalCandidates(stores, text, depth), n);
  if (opts.mode === 'dense') {
    const dense = await searchEach(stores, await embed(), depth);
    return dropNearDuplicates(dense.map((h) => ({ ...h, similarity: h.score })), n);
  }
  // Hybrid: start the embedding, run the lexical query meanwhile. The embedder hands its work to
  // its own threads a few promise steps in: one turn of the event loop lets it get there first.
  const pending = embed();
  pending.catch(() => undefined);
  await new Promise((resolve) => setImmediate(resolve));
  const lexical = await lexicalCandidates(stores, text, depth);
  const vector = await pending;
  const dense = await searchEach(stores, vector, depth);
  const byKey = new Map<string, Candidate>(dense.map((h) => [keyOf(h), { ...h, similarity: h.score }]));
  const missing = new Map<string, SearchHit[]>();
  for (const h of lexical) {
    const seen = byKey.get(keyOf(h));
    if (seen) seen.lexicalScore = h.lexicalScore;
    else missing.set(h.collectionId!, [...(missing.get(h.collectionId!) ?? []), h]);
  }
  // Lexical-only candidates get their exact cosine from their store's vectors.
  for (const { id, store } of stores) {
    const hits = missing.get(id);
    if (!hits || !store.similarities) continue;
    const sims = await store.similarities(vector, hits.map((h) => h.chunkId));
    for (const h of hits) {
      const s = sims.get(h.chunkId);
      // Gone since the lexical query (a reload): left out rather than ranked without a cosine.
      if (s !== undefined) byKey.set(keyOf(h), { ...h, similarity: s });
    }
  }
  return dropNearDuplicates(fuse([...byKey.values()], opts.fusion ?? FUSION), n);
}
