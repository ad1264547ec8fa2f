/**
 * Query-side retrieval over collections: the k best passages of the chosen collections (all when
 * none are chosen) in the configured search mode (config SEARCH_MODE, search-modes.ts), best
 * first, each naming its collection. Used by the answer worker and by the web's search. While a
 * collection's index needs a re-index (built by another embedding model), a search fails with the
 * reason rather than answering "nothing found"; one served from an older version after a swap
 * (stale-index.ts) is searched, filtered to the live version's documents.
 */
import type { Embedder } from '../ports/embedder.ts';
import type { SearchHit } from '../ports/vector-store.ts';
import type { CollectionStores } from './collection-stores.ts';
import { ReindexNeededError } from './guarded-store.ts';
import { searchStores, type ModeOptions } from './search-modes.ts';

export interface CollectionRetriever {
  search(query: string, k: number, collections?: readonly string[]): Promise<SearchHit[]>;
}

export function createCollectionRetriever(embedder: Embedder, stores: CollectionStores, opts: ModeOptions = { mode: 'dense' }): CollectionRetriever {
  return {
    async search(query, k, collections) {
      let chosen = await stores.storesOf(collections);
      const unreadable = chosen.filter((c) => c.store.reindexNeeded && !c.store.stale);
      // Behind a swap, a collection this model cannot read holds only what came after it: left out
      // while another chosen one can be searched (collection-stores.ts health).
      if (unreadable.length > 0 && (!stores.servingStale || unreadable.length === chosen.length)) throw new ReindexNeededError(unreadable[0]!.store.reindexNeeded!);
      chosen = chosen.filter((c) => !unreadable.includes(c));
      const held = chosen.reduce((n, c) => n + c.store.size, 0);
      // Nothing to find: skip the embedding call, which costs most of the time.
      if (Math.min(Math.floor(k), held) < 1 || query.trim() === '') return [];
      return searchStores(chosen, query, () => embedder.embedQuery(query), Math.min(Math.floor(k), held), opts);
    },
  };
}
