/** The search port: top-k passages for a query (the web's JSON search API and the search CLI). */
import type { SearchHit } from './vector-store.ts';

export interface SearchService {
  /** Top k of the chosen collections (ids; none or empty: all), best first. */
  search(query: string, k: number, collections?: readonly string[]): Promise<SearchHit[]>;
}
