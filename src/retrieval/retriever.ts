/**
 * Query-side retrieval over one store: the k best chunks for a question in the configured search
 * mode (search-modes.ts; dense embeds the question with the model that built the index), best
 * first. Used where one store is searched (benchmarks, evaluation); the roles search collections
 * (collection-retriever.ts).
 */
import type { Embedder } from '../ports/embedder.ts';
import type { SearchHit, VectorStore } from '../ports/vector-store.ts';
import { searchStores, type ModeOptions } from './search-modes.ts';

export interface Retriever {
  /** The k best chunks for `query` (k clamped to the store's size); [] for an empty store or blank query. */
  search(query: string, k: number): Promise<SearchHit[]>;
}

export function createRetriever(embedder: Embedder, store: VectorStore, opts: ModeOptions = { mode: 'dense' }): Retriever {
  return {
    async search(query, k) {
      const n = Math.min(Math.floor(k), store.size);
      // Nothing to find: skip the embedding call, which costs most of the time.
      if (n < 1 || query.trim() === '') return [];
      return searchStores([{ id: '', store }], query, () => embedder.embedQuery(query), n, opts).then((hits) => hits.map(({ collectionId: _, ...h }) => h));
    },
  };
}
