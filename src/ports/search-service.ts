/** The search port: top-k passages for a query (the web's JSON search API and the search CLI). */
import type { SearchHit } from './vector-store.ts';

export interface SearchService {
  search(query: string, k: number): Promise<SearchHit[]>;
}
