/**
 * Query-side retrieval: embeds a question with the same model that built the index and returns
 * the k closest chunks by cosine similarity, best first. Used by the answer worker and by the
 * search page and CLI (it satisfies the web's SearchService).
 */
import type { Embedder } from '../ports/embedder.ts';
import type { SearchHit, VectorStore } from '../ports/vector-store.ts';

export interface Retriever {
  /** The k best chunks for `query` (k clamped to the store's size); [] for an empty store or blank query. */
  search(query: string, k: number): Promise<SearchHit[]>;
}

export function createRetriever(embedder: Embedder, store: VectorStore): Retriever {
  return {
    async search(query, k) {
      const n = Math.min(Math.floor(k), store.size);
      // Nothing to find: skip the embedding call, which costs most of the time.
      if (n < 1 || query.trim() === '') return [];
      const vector = await embedder.embedQuery(query);
      return store.search(vector, n);
    },
  };
}
