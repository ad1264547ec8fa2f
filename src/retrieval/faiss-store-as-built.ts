/**
 * The live index version opened as it was built (its own embedding model and chunker settings),
 * for changes that need no embedder, such as a delete while the index waits for a re-index.
 */
import type { VectorStore } from '../ports/vector-store.ts';
import { readCurrent, readVersion } from './faiss-files.ts';
import { openFaissStore } from './faiss-store.ts';
import { storedIndexType } from './index-kind.ts';

/**
 * Opens the live version in `dir` with the embedding model and chunker settings it was built with,
 * whatever is configured now; null when nothing was saved yet. Only for changes that need no
 * embedder: a delete while the index waits for a re-index removes the document from the stored
 * version too, so going back to the old model never brings a deleted document back.
 */
export async function openFaissStoreAsBuilt(dir: string): Promise<VectorStore | null> {
  const current = await readCurrent(dir);
  if (current === null) return null;
  const { manifest } = await readVersion(dir, current);
  const { embedModelId, embedModelName, dimensions, chunkSize, chunkOverlap } = manifest;
  return openFaissStore({ dir, manifest: { embedModelId, embedModelName, dimensions, chunkSize, chunkOverlap }, indexType: storedIndexType(manifest.indexType) });
}
