/**
 * Collection stores for tests that open General's store themselves: General (the root directory)
 * is the store given, any other collection is opened with `open` under root/collections/<id>/.
 */
import type { VectorStore } from '../../src/ports/vector-store.ts';
import { CollectionStores } from '../../src/retrieval/collection-stores.ts';

export function storesOver(root: string, general: VectorStore, open?: (dir: string) => Promise<VectorStore>): CollectionStores {
  return new CollectionStores({
    root,
    open: (dir) => {
      if (dir === root) return Promise.resolve(general);
      if (!open) return Promise.reject(new Error(`no store for ${dir} in this test`));
      return open(dir);
    },
  });
}
