/**
 * manifest.json of one persisted index version: what built it (embedding model id and name,
 * dimensions, chunker settings) and what it holds. A store refuses to open a version built with
 * another embedding model or dimension: its vectors would be compared with query vectors from a
 * different space and search would return confident garbage.
 */
import { z } from 'zod';
import { AppError } from '../errors.ts';
import type { IndexManifest } from '../ports/vector-store.ts';

export const MANIFEST_FORMAT = 1;

/** The command that rebuilds the index with the configured model; named in every refusal. */
export const REINDEX_COMMAND = 'npm run ingest -- --reindex';

export const storedManifestSchema = z.object({
  format: z.literal(MANIFEST_FORMAT),
  version: z.string().regex(/^v-\d+-\d+$/),
  createdAt: z.number(),
  embedModelId: z.string().min(1),
  embedModelName: z.string(),
  dimensions: z.number().int().min(1),
  chunkSize: z.number().int(),
  chunkOverlap: z.number().int(),
  /** Which FAISS index index.faiss is (index-kind.ts); absent in versions from before HNSW: flat. */
  indexType: z.enum(['flat', 'hnsw']).optional(),
  /** Rows in index.faiss, lines in chunks.jsonl and vectors in vectors.f32: all equal. */
  chunks: z.number().int().min(0),
  /** How vectors.f32 is encoded: float32, little-endian, row after row. */
  vectors: z.literal('f32le'),
  documents: z.array(z.object({ documentId: z.string(), documentName: z.string(), chunks: z.number().int() })),
});
export type StoredManifest = z.infer<typeof storedManifestSchema>;

/** An embedding model as messages name it: name, id and dimensions. */
export function describeModel(m: Pick<IndexManifest, 'embedModelName' | 'embedModelId' | 'dimensions'>): string {
  return `${m.embedModelName} (id ${m.embedModelId}, ${m.dimensions} dimensions)`;
}

/** Whether vectors stored as `stored` describes can be searched with the model `expected` describes. */
export function sameModel(stored: Pick<IndexManifest, 'embedModelId' | 'dimensions'>, expected: Pick<IndexManifest, 'embedModelId' | 'dimensions'>): boolean {
  return stored.embedModelId === expected.embedModelId && stored.dimensions === expected.dimensions;
}

/**
 * Throws an AppError (code `index_model_mismatch`) when the stored index was built with another
 * embedding model or dimension than `expected`. Chunker settings may differ: search stays valid,
 * only newly ingested documents are chunked with the new settings.
 */
export function assertCompatible(stored: IndexManifest, expected: IndexManifest, dir: string): void {
  if (sameModel(stored, expected)) return;
  throw new AppError(
    `the index in ${dir} was built with the embedding model ${describeModel(stored)}, but the configured model is ` +
      `${describeModel(expected)}; searching it would return wrong passages. Run \`${REINDEX_COMMAND}\` to rebuild ` +
      'the index: it re-ingests every document with the configured model.',
    { code: 'index_model_mismatch', retryable: false },
  );
}
